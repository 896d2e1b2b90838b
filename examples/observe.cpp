// observe — seeing inside a running program: a task stuck on a channel nobody sends to, a
// task that blocks its worker with std::this_thread::sleep_for, and healthy ones. The
// runtime's stall detector names the blocking task while it blocks, and the task dump shows
// where the stuck task waits: its chain of awaits with their source locations.
//
//   observe                      prints the stall warning and the dump, then exits
//   observe --serve SOCKET [--seconds N]
//                                keeps running (until SIGINT/SIGTERM, or N seconds) with the live
//                                console on SOCKET: attach with `edo-console SOCKET`
//
// Expected output (ids, lines and times vary):
//   stall warning: task 6 [blocker] spawned at .../observe.cpp:120 has run for 52.6 ms
//     without yielding on worker 0
//   --- task dump ---
//   5 live task(s)
//   task 2 [order-consumer] spawned at .../observe.cpp:111 in spawn_all(...) - idle, 1 runs, ...
//     waiting on edo::sync::mpsc::recv_awaitable<(anonymous namespace)::order>
//       at .../observe.cpp:59 in {anonymous}::wait_for_order()
//       at .../observe.cpp:63 in edo::task<void> {anonymous}::consume_orders(...)
//   ...
//   task 6 [blocker] spawned at .../observe.cpp:120 in spawn_all(...) - running, ...
//   healthy tasks kept running: yes
//   done
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <edo/edo.hpp>
#include <edo/signal.hpp>
#include <edo/sync/mpsc.hpp>

using namespace std::chrono_literals;

namespace {

struct order {
  int id = 0;
};

// What the tasks and the stall callback share.
struct shared {
  std::atomic<bool> stop{false};
  std::atomic<bool> warned{false};  // the stall detector reported the blocker
  std::atomic<bool> dumped{false};  // the dump was printed: the blocker may return
  std::atomic<long> ticks{0};
  std::atomic<long> pongs{0};
};

std::mutex print_mu;  // the stall callback prints from the detector's thread

edo::task<std::optional<order>> wait_for_order(edo::sync::mpsc::receiver<order>& orders) {
  co_return co_await orders.recv();  // nobody ever sends: the stuck task waits here
}

edo::task<> consume_orders(edo::sync::mpsc::receiver<order> orders) {
  while (auto o = co_await wait_for_order(orders)) std::printf("order %d\n", o->id);
}

// Healthy: wakes every 10 ms.
edo::task<> ticker(std::shared_ptr<shared> s) {
  while (!s->stop.load()) {
    co_await edo::time::sleep(10ms);
    s->ticks.fetch_add(1);
  }
}

// Healthy: a ping-pong pair over two channels.
edo::task<> ponger(edo::sync::mpsc::receiver<int> in, edo::sync::mpsc::sender<int> out) {
  while (auto v = co_await in.recv()) {
    auto sent = co_await out.send(*v + 1);
    if (!sent) break;
  }
}
edo::task<> pinger(edo::sync::mpsc::sender<int> out, edo::sync::mpsc::receiver<int> in,
                   std::shared_ptr<shared> s) {
  for (int v = 0; !s->stop.load(); ++v) {
    auto sent = co_await out.send(v);
    if (!sent) break;
    auto back = co_await in.recv();
    if (!back) break;
    s->pongs.fetch_add(1);
    co_await edo::time::sleep(1ms);
  }
}

// The mistake the stall detector catches: a blocking call inside an async task holds its
// worker thread, so nothing else can run there.
edo::task<> blocker(std::shared_ptr<shared> s, bool forever) {
  do {
    std::this_thread::sleep_for(300ms);
    // Stay blocked until the detector has reported it and the dump was printed (it checks
    // every threshold / 4, so it reported long before now: this only makes the output
    // independent of how loaded the machine is). Bounded, in case the detector is broken.
    for (int i = 0; i < 1000 && !forever && !(s->warned.load() && s->dumped.load()); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    if (forever) co_await edo::time::sleep(2s);  // --serve: block again every 2 s
  } while (forever && !s->stop.load());
}

// Spawns the stuck, healthy and blocking tasks; returns the blocker's handle.
edo::join_handle<void> spawn_all(std::shared_ptr<shared> s, bool serve,
                                 edo::sync::mpsc::receiver<order> orders) {
  edo::task_builder().name("order-consumer").spawn(consume_orders(std::move(orders))).detach();
  edo::task_builder().name("ticker").spawn(ticker(s)).detach();
  auto [ping_tx, ping_rx] = edo::sync::mpsc::channel<int>(1);
  auto [pong_tx, pong_rx] = edo::sync::mpsc::channel<int>(1);
  edo::task_builder().name("ponger").spawn(ponger(std::move(ping_rx), std::move(pong_tx))).detach();
  edo::task_builder()
      .name("pinger")
      .spawn(pinger(std::move(ping_tx), std::move(pong_rx), s))
      .detach();
  return edo::task_builder().name("blocker").spawn(blocker(s, serve));
}

// Waits (without blocking: the runtime keeps running) until `done()` or about 10 s.
template <class F>
edo::task<bool> wait_until(F done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) co_return true;
    co_await edo::time::sleep(5ms);
  }
  co_return done();
}

edo::task<int> run_demo(std::shared_ptr<shared> s) {
  auto [orders_tx, orders_rx] = edo::sync::mpsc::channel<order>(8);  // orders_tx never sends
  auto blocking = spawn_all(s, false, std::move(orders_rx));
  const bool warned = co_await wait_until([&] { return s->warned.load(); });
  // The dump: the stuck consumer is idle at its await; the blocker is still running.
  edo::runtime_dump d = edo::runtime_handle::current().dump();
  std::sort(d.tasks.begin(), d.tasks.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  {
    std::lock_guard lock(print_mu);
    std::printf("--- task dump ---\n%s", d.to_string().c_str());
    std::fflush(stdout);
  }
  s->dumped.store(true);
  co_await blocking;
  s->stop.store(true);
  if (!warned) {
    std::printf("no stall warning: the detector did not report the blocker\n");
    co_return 1;
  }
  std::printf("healthy tasks kept running: %s\n",
              s->ticks.load() > 0 && s->pongs.load() > 0 ? "yes" : "no");
  std::printf("done\n");
  co_return 0;
}

edo::task<int> run_serve(std::shared_ptr<shared> s, std::string path, int seconds) {
  auto [orders_tx, orders_rx] = edo::sync::mpsc::channel<order>(8);
  auto blocking = spawn_all(s, true, std::move(orders_rx));
  // Listen before saying so: a script that reads the line below may signal at once.
  auto interrupt = edo::signal::signal(edo::signal::signal_kind::interrupt());
  auto terminate = edo::signal::signal(edo::signal::signal_kind::terminate());
  std::printf("serving the console on %s: attach with `edo-console %s`\n", path.c_str(),
              path.c_str());
  std::fflush(stdout);
  const auto limit = seconds > 0 ? std::chrono::seconds(seconds) : std::chrono::hours(24 * 365);
  const auto why =
      co_await edo::select(interrupt.recv(), terminate.recv(), edo::time::sleep(limit));
  s->stop.store(true);
  co_await blocking;
  std::printf("stopped (%s)\n", why.index() == 0   ? "SIGINT"
                                : why.index() == 1 ? "SIGTERM"
                                                   : "time limit");
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string serve;
  int seconds = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--serve") == 0 && i + 1 < argc) {
      serve = argv[++i];
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: observe [--serve SOCKET [--seconds N]]\n");
      return 2;
    }
  }
  auto s = std::make_shared<shared>();
  auto b = edo::runtime::builder::multi_thread();
  b.worker_threads(2).enable_all();
  // The threshold is far below the blocker's 300 ms sleep: the warning never depends on
  // timing luck. Reported to this callback (the default prints on stderr).
  b.warn_on_long_poll(50ms).on_long_poll([s](const edo::long_poll_report& r) {
    {
      std::lock_guard lock(print_mu);
      std::printf(
          "stall warning: task %llu [%s] spawned at %s has run for %.1f ms without "
          "yielding on worker %zu\n",
          static_cast<unsigned long long>(r.task_id), r.task_name.c_str(), r.spawned_at.c_str(),
          static_cast<double>(r.running_for.count()) / 1e6, r.worker);
      std::fflush(stdout);
    }
    s->warned.store(true);
  });
  if (!serve.empty()) b.console(serve);
  auto rt = b.build();
  return serve.empty() ? rt.block_on(run_demo(s)) : rt.block_on(run_serve(s, serve, seconds));
}
