// asio_bench: the WORKLOADS.md workloads on Boost.Asio 1.81 (Asio 1.26) C++20
// coroutines (awaitable / co_spawn / use_awaitable, the default any_io_executor).
//
//   asio_bench <mt|ct> [workload,...]
//
// mt = one io_context (concurrency hint 2) run by 2 threads; ct = one io_context
// (concurrency hint 1) run by 1 thread. Every run co_spawns a driver coroutine that
// measures its own timed region (std::chrono::steady_clock); one warm-up run and five
// timed runs per workload, the median is printed.
//
// How the workloads map onto Asio:
//  - spawn = co_spawn(executor, coroutine, detached). Asio has no join handle, so
//    "wait for all" is a counter + notify (Latch below: an atomic count whose last
//    decrement try_sends on a capacity-1 channel the driver awaits). Note that
//    co_spawn from the io_context's own thread starts the coroutine inline (up to
//    its first suspension) and a coroutine that never suspended posts once before
//    it completes; that is Asio's spawn. chained_spawn's links begin with a post so
//    that the chain is not a recursion (see chain_link).
//  - yield = co_await post(executor, use_awaitable).
//  - channels = boost::asio::experimental::channel (ct). Plain channels are not
//    thread-safe, so mt uses experimental::concurrent_channel (the same channel with a
//    mutex); both with the capacities WORKLOADS.md gives.
//  - sleep = steady_timer::async_wait.
//  - timeout_ready = co_await (ready() || timer.async_wait(as_tuple(use_awaitable)))
//    with experimental::awaitable_operators: both branches are started (the timer is
//    really armed) and the loser is cancelled. as_tuple keeps the cancelled wait from
//    throwing an exception per iteration.
//  - tcp_echo = ip::tcp acceptor/sockets, async_read_some + async_write on the server,
//    async_write + async_read (exact) on the clients, no_delay on both ends.
//  - idle_tasks_mem = co_spawn'd coroutines each waiting on a 10 s steady_timer,
//    each bound to a cancellation_signal (the "handle" kept to cancel it), measured in
//    a fresh child process (this executable re-executed with --idle-child).

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

extern char** environ;

namespace {

constexpr const char* kRuntime = "asio";
constexpr const char* kWorkloads[] = {
    "spawn_many", "yield_many",    "ping_pong", "chained_spawn",  "mpsc_contended",
    "timers",     "timeout_ready", "tcp_echo",  "idle_tasks_mem",
};
constexpr uint64_t kYieldTasks = 200;
constexpr uint64_t kPairs = 100;
constexpr uint64_t kProducers = 8;
constexpr std::size_t kMpscCapacity = 1024;
constexpr uint64_t kTcpClients = 50;
constexpr std::size_t kTcpMsg = 64;
constexpr uint32_t kTimersSeed = 2463534242u;
constexpr int kWarmupRuns = 1;
constexpr int kTimedRuns = 5;

double scale() {
  const char* s = std::getenv("SCALE");
  if (!s || !*s) return 1.0;
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || !std::isfinite(v) || v <= 0) {
    std::fprintf(stderr, "invalid SCALE=%s (want a positive float)\n", s);
    std::exit(2);
  }
  return v;
}

// base * SCALE, rounded, at least 1.
uint64_t scaled(uint64_t base) {
  return static_cast<uint64_t>(std::max(1.0, std::round(double(base) * scale())));
}

struct Run {
  uint64_t n = 0;
  Clock::duration elapsed{};
};

double ms_of(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void emit(const std::string& workload, const char* flavor, uint64_t n, Clock::duration d,
          const std::string& extra = {}) {
  double total_ms = ms_of(d);
  double ns = std::chrono::duration<double, std::nano>(d).count() / double(n);
  std::printf("workload=%s runtime=%s flavor=%s n=%llu total_ms=%.3f ns_per_op=%.2f%s%s\n",
              workload.c_str(), kRuntime, flavor, static_cast<unsigned long long>(n), total_ms, ns,
              extra.empty() ? "" : " extra=", extra.c_str());
  std::fflush(stdout);
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "asio_bench: check failed: %s\n", what);
    std::abort();
  }
}

// ---- flavor traits ------------------------------------------------------------

struct CtTraits {
  template <class Sig>
  using channel = asio::experimental::channel<Sig>;
};
struct MtTraits {
  template <class Sig>
  using channel = asio::experimental::concurrent_channel<Sig>;
};

// Counter + notify: `count_down` n times, the last one wakes `wait`.
template <class T>
struct Latch {
  std::atomic<uint64_t> left;
  typename T::template channel<void(error_code)> ch;
  Latch(asio::any_io_executor ex, uint64_t n) : left(n), ch(ex, 1) {}
  void count_down() {
    if (left.fetch_sub(1, std::memory_order_acq_rel) == 1)
      check(ch.try_send(error_code{}), "latch send");
  }
  awaitable<void> wait() { co_await ch.async_receive(use_awaitable); }
};

// ---- workloads --------------------------------------------------------------------

template <class T>
awaitable<void> counter_task(std::atomic<uint64_t>* counter, Latch<T>* latch) {
  counter->fetch_add(1, std::memory_order_relaxed);
  latch->count_down();
  co_return;
}

template <class T>
awaitable<Run> spawn_many(uint64_t n) {
  auto ex = co_await asio::this_coro::executor;
  std::atomic<uint64_t> counter{0};
  auto t0 = Clock::now();
  Latch<T> latch(ex, n);
  for (uint64_t i = 0; i < n; ++i)
    asio::co_spawn(ex, counter_task<T>(&counter, &latch), asio::detached);
  co_await latch.wait();
  auto elapsed = Clock::now() - t0;
  check(counter.load() == n, "spawn_many count");
  co_return Run{n, elapsed};
}

template <class T>
awaitable<void> yield_task(uint64_t per_task, Latch<T>* latch) {
  auto ex = co_await asio::this_coro::executor;
  for (uint64_t i = 0; i < per_task; ++i) co_await asio::post(ex, use_awaitable);
  latch->count_down();
}

template <class T>
awaitable<Run> yield_many(uint64_t per_task) {
  auto ex = co_await asio::this_coro::executor;
  auto t0 = Clock::now();
  Latch<T> latch(ex, kYieldTasks);
  for (uint64_t i = 0; i < kYieldTasks; ++i)
    asio::co_spawn(ex, yield_task<T>(per_task, &latch), asio::detached);
  co_await latch.wait();
  co_return Run{kYieldTasks * per_task, Clock::now() - t0};
}

template <class T>
using U64Chan = typename T::template channel<void(error_code, uint64_t)>;

template <class T>
awaitable<void> pinger(U64Chan<T>* ping, U64Chan<T>* pong, uint64_t round_trips, Latch<T>* latch) {
  for (uint64_t i = 0; i < round_trips; ++i) {
    co_await ping->async_send(error_code{}, i, use_awaitable);
    uint64_t v = co_await pong->async_receive(use_awaitable);
    check(v == i + 1, "ping_pong reply");
  }
  latch->count_down();
}

template <class T>
awaitable<void> ponger(U64Chan<T>* ping, U64Chan<T>* pong, uint64_t round_trips, Latch<T>* latch) {
  for (uint64_t i = 0; i < round_trips; ++i) {
    uint64_t v = co_await ping->async_receive(use_awaitable);
    co_await pong->async_send(error_code{}, v + 1, use_awaitable);
  }
  latch->count_down();
}

template <class T>
awaitable<Run> ping_pong(uint64_t round_trips) {
  auto ex = co_await asio::this_coro::executor;
  auto t0 = Clock::now();
  Latch<T> latch(ex, 2 * kPairs);
  std::vector<std::unique_ptr<U64Chan<T>>> chans;
  chans.reserve(2 * kPairs);
  for (uint64_t p = 0; p < kPairs; ++p) {
    auto* ping = chans.emplace_back(std::make_unique<U64Chan<T>>(ex, 1)).get();
    auto* pong = chans.emplace_back(std::make_unique<U64Chan<T>>(ex, 1)).get();
    asio::co_spawn(ex, ponger<T>(ping, pong, round_trips, &latch), asio::detached);
    asio::co_spawn(ex, pinger<T>(ping, pong, round_trips, &latch), asio::detached);
  }
  co_await latch.wait();
  co_return Run{kPairs * round_trips, Clock::now() - t0};
}

// Spawns the next link, which spawns the next ... `left` spawns in total; the
// coroutine spawned last signals completion.
template <class T>
awaitable<void> chain_link(uint64_t left, Latch<T>* done);

template <class T>
void chain(asio::any_io_executor ex, uint64_t left, Latch<T>* done) {
  if (left == 0)
    done->count_down();
  else
    asio::co_spawn(ex, chain_link<T>(left - 1, done), asio::detached);
}

// co_spawn starts the coroutine inline (its entry point dispatches, and we are on the
// io_context's thread), so without the post every link would run nested inside its
// parent: a 10,000-deep recursion instead of a chain (it overflows the stack at
// SCALE=10). The post defers the body until the parent has returned. It costs no extra
// queue operation: a co_spawn'd coroutine that never switched posts once anyway
// before it completes, and one that did (this one) completes inline.
template <class T>
awaitable<void> chain_link(uint64_t left, Latch<T>* done) {
  auto ex = co_await asio::this_coro::executor;
  co_await asio::post(ex, use_awaitable);
  chain<T>(ex, left, done);
}

template <class T>
awaitable<Run> chained_spawn(uint64_t depth) {
  auto ex = co_await asio::this_coro::executor;
  auto t0 = Clock::now();
  Latch<T> done(ex, 1);
  chain<T>(ex, depth, &done);
  co_await done.wait();
  co_return Run{depth, Clock::now() - t0};
}

template <class T>
awaitable<void> producer(U64Chan<T>* ch, uint64_t p, uint64_t per_producer, Latch<T>* latch) {
  for (uint64_t i = 0; i < per_producer; ++i)
    co_await ch->async_send(error_code{}, p * per_producer + i, use_awaitable);
  latch->count_down();
}

template <class T>
awaitable<Run> mpsc_contended(uint64_t per_producer) {
  auto ex = co_await asio::this_coro::executor;
  auto t0 = Clock::now();
  U64Chan<T> ch(ex, kMpscCapacity);
  Latch<T> producers_done(ex, kProducers);
  for (uint64_t p = 0; p < kProducers; ++p)
    asio::co_spawn(ex, producer<T>(&ch, p, per_producer, &producers_done), asio::detached);
  // The driver is the one consumer.
  const uint64_t total = kProducers * per_producer;
  uint64_t sum = 0;
  for (uint64_t k = 0; k < total; ++k) sum += co_await ch.async_receive(use_awaitable);
  auto elapsed = Clock::now() - t0;
  co_await producers_done.wait();
  check(sum == total * (total - 1) / 2, "mpsc_contended sum");
  co_return Run{total, elapsed};
}

template <class T>
awaitable<void> sleeper(uint64_t ms, Latch<T>* latch) {
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(ms));
  co_await t.async_wait(use_awaitable);
  latch->count_down();
}

template <class T>
awaitable<Run> timers(uint64_t n) {
  auto ex = co_await asio::this_coro::executor;
  auto t0 = Clock::now();
  Latch<T> latch(ex, n);
  uint32_t x = kTimersSeed;
  for (uint64_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    uint64_t ms = 1 + x % 100;
    asio::co_spawn(ex, sleeper<T>(ms, &latch), asio::detached);
  }
  co_await latch.wait();
  co_return Run{n, Clock::now() - t0};
}

awaitable<uint64_t> ready_value(uint64_t v) {
  co_return v;
}

template <class T>
awaitable<Run> timeout_ready(uint64_t n) {
  using namespace asio::experimental::awaitable_operators;
  auto ex = co_await asio::this_coro::executor;
  auto t0 = Clock::now();
  uint64_t acc = 0;
  for (uint64_t i = 0; i < n; ++i) {
    asio::steady_timer timer(ex, std::chrono::seconds(1));
    auto r = co_await (ready_value(i) || timer.async_wait(asio::as_tuple(use_awaitable)));
    check(r.index() == 0, "timeout_ready: ready future lost");
    acc += std::get<0>(r);
  }
  auto elapsed = Clock::now() - t0;
  check(acc == n * (n - 1) / 2, "timeout_ready sum");
  co_return Run{n, elapsed};
}

using asio::ip::tcp;

awaitable<void> echo_session(tcp::socket s) {
  char buf[4096];
  for (;;) {
    auto [ec, k] = co_await s.async_read_some(asio::buffer(buf), asio::as_tuple(use_awaitable));
    if (ec) break;  // eof: the client is done
    co_await asio::async_write(s, asio::buffer(buf, k), use_awaitable);
  }
}

awaitable<void> echo_server(tcp::acceptor* acceptor) {
  for (uint64_t i = 0; i < kTcpClients; ++i) {
    tcp::socket s = co_await acceptor->async_accept(use_awaitable);
    s.set_option(tcp::no_delay(true));
    asio::co_spawn(s.get_executor(), echo_session(std::move(s)), asio::detached);
  }
}

template <class T>
awaitable<void> echo_client(tcp::endpoint ep, uint64_t c, uint64_t round_trips, Latch<T>* latch) {
  tcp::socket s(co_await asio::this_coro::executor);
  co_await s.async_connect(ep, use_awaitable);
  s.set_option(tcp::no_delay(true));
  char msg[kTcpMsg];
  char buf[kTcpMsg];
  std::memset(msg, int(c), sizeof msg);
  for (uint64_t i = 0; i < round_trips; ++i) {
    co_await asio::async_write(s, asio::buffer(msg), use_awaitable);
    co_await asio::async_read(s, asio::buffer(buf), use_awaitable);
    check(std::memcmp(msg, buf, kTcpMsg) == 0, "tcp_echo payload");
  }
  latch->count_down();
}

template <class T>
awaitable<Run> tcp_echo(uint64_t round_trips) {
  auto ex = co_await asio::this_coro::executor;
  tcp::acceptor acceptor(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto ep = acceptor.local_endpoint();
  Latch<T> server_done(ex, 1);
  asio::co_spawn(ex, echo_server(&acceptor), [&](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    server_done.count_down();
  });
  auto t0 = Clock::now();
  Latch<T> latch(ex, kTcpClients);
  for (uint64_t c = 0; c < kTcpClients; ++c)
    asio::co_spawn(ex, echo_client<T>(ep, c, round_trips, &latch), asio::detached);
  co_await latch.wait();
  auto elapsed = Clock::now() - t0;
  co_await server_done.wait();
  // The echo sessions end on EOF; io_context::run returns only after they have.
  co_return Run{kTcpClients * round_trips, elapsed};
}

// ---- running --------------------------------------------------------------------

void run_context(asio::io_context& ctx, int threads) {
  ctx.restart();
  std::vector<std::thread> extra;
  for (int i = 1; i < threads; ++i) extra.emplace_back([&ctx] { ctx.run(); });
  ctx.run();
  for (auto& t : extra) t.join();
}

// co_spawns the driver and runs the io_context until all work is done.
template <class Make>
Run drive(asio::io_context& ctx, int threads, Make make) {
  std::optional<Run> result;
  asio::co_spawn(ctx, make(), [&](std::exception_ptr e, Run r) {
    if (e) std::rethrow_exception(e);
    result = r;
  });
  run_context(ctx, threads);
  check(result.has_value(), "driver finished");
  return *result;
}

template <class T>
Run run_workload(asio::io_context& ctx, int threads, std::string_view w) {
  const uint64_t s_tasks = scaled(100'000), s_yields = scaled(1'000), s_rt = scaled(1'000),
                 s_depth = scaled(10'000), s_msgs = scaled(100'000), s_timers = scaled(100'000),
                 s_iters = scaled(1'000'000), s_tcp = scaled(2'000);
  if (w == "spawn_many") return drive(ctx, threads, [&] { return spawn_many<T>(s_tasks); });
  if (w == "yield_many") return drive(ctx, threads, [&] { return yield_many<T>(s_yields); });
  if (w == "ping_pong") return drive(ctx, threads, [&] { return ping_pong<T>(s_rt); });
  if (w == "chained_spawn") return drive(ctx, threads, [&] { return chained_spawn<T>(s_depth); });
  if (w == "mpsc_contended") return drive(ctx, threads, [&] { return mpsc_contended<T>(s_msgs); });
  if (w == "timers") return drive(ctx, threads, [&] { return timers<T>(s_timers); });
  if (w == "timeout_ready") return drive(ctx, threads, [&] { return timeout_ready<T>(s_iters); });
  if (w == "tcp_echo") return drive(ctx, threads, [&] { return tcp_echo<T>(s_tcp); });
  std::abort();
}

// ---- idle_tasks_mem ---------------------------------------------------------------

void reset_hwm() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  if (!f) {
    std::fprintf(stderr, "cannot reset VmHWM through /proc/self/clear_refs\n");
    std::exit(1);
  }
}

uint64_t vm_hwm_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10) * 1024;
  std::fprintf(stderr, "no VmHWM in /proc/self/status\n");
  std::exit(1);
}

awaitable<void> idle_task(std::atomic<uint64_t>* started) {
  started->fetch_add(1, std::memory_order_relaxed);
  asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(10));
  auto [ec] = co_await t.async_wait(asio::as_tuple(use_awaitable));
  (void)ec;  // operation_aborted once cancelled
}

// In the fresh child: n coroutines that each wait on a 10 s timer, each bound to a
// cancellation_signal (kept in an array allocated up front: the handles count);
// peak-RSS growth / n; then cancel them all and let them finish.
// A single measurement (not median of 5): memory does not vary like time does.
int idle_child(const char* flavor) {
  const bool mt = std::string_view(flavor) == "mt";
  const int threads = mt ? 2 : 1;
  const uint64_t n = scaled(1'000'000);
  asio::io_context ctx(threads);
  std::atomic<uint64_t> started{0};
  std::unique_ptr<asio::cancellation_signal[]> handles;
  uint64_t before = 0, after = 0;
  Clock::duration elapsed{};
  asio::co_spawn(
      ctx,
      [&]() -> awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        reset_hwm();
        before = vm_hwm_bytes();
        auto t0 = Clock::now();
        handles.reset(new asio::cancellation_signal[n]);
        for (uint64_t i = 0; i < n; ++i)
          asio::co_spawn(ex, idle_task(&started),
                         asio::bind_cancellation_slot(handles[i].slot(), asio::detached));
        while (started.load(std::memory_order_relaxed) < n) co_await asio::post(ex, use_awaitable);
        elapsed = Clock::now() - t0;
        after = vm_hwm_bytes();
        // Stop here; the tasks are cancelled below with the context stopped, because
        // cancellation_signal::emit is not thread-safe against the mt worker threads.
        ctx.stop();
      },
      asio::detached);
  run_context(ctx, threads);
  check(started.load() == n, "idle tasks started");
  for (uint64_t i = 0; i < n; ++i) handles[i].emit(asio::cancellation_type::all);
  run_context(ctx, threads);  // the cancelled coroutines run to completion
  char extra[64];
  std::snprintf(extra, sizeof extra, "bytes_per_task:%.1f", double(after - before) / double(n));
  emit("idle_tasks_mem", flavor, n, elapsed, extra);
  return 0;
}

// Re-executes this program as `--idle-child <flavor>` (its stdout is ours).
int run_idle_in_child(const char* flavor) {
  std::fflush(stdout);
  char exe[] = "/proc/self/exe";
  char arg1[] = "--idle-child";
  std::string f = flavor;
  char* argv[] = {exe, arg1, f.data(), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, environ) != 0) {
    std::perror("posix_spawn");
    return 1;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "idle_tasks_mem child failed (status %d)\n", status);
    return 1;
  }
  return 0;
}

template <class T>
int bench(const char* flavor, int threads, const std::vector<std::string>& list) {
  asio::io_context ctx(threads);
  for (const auto& w : list) {
    std::fprintf(stderr, "asio %s %s\n", flavor, w.c_str());
    if (w == "idle_tasks_mem") {
      if (int rc = run_idle_in_child(flavor)) return rc;
      continue;
    }
    for (int i = 0; i < kWarmupRuns; ++i) run_workload<T>(ctx, threads, w);
    std::vector<Run> runs;
    for (int i = 0; i < kTimedRuns; ++i) runs.push_back(run_workload<T>(ctx, threads, w));
    std::sort(runs.begin(), runs.end(),
              [](const Run& a, const Run& b) { return a.elapsed < b.elapsed; });
    const Run& m = runs[runs.size() / 2];
    std::string extra;
    if (w == "timers") {
      char buf[64];
      std::snprintf(buf, sizeof buf, "overshoot_ms:%.3f", ms_of(m.elapsed) - 100.0);
      extra = buf;
    }
    emit(w, flavor, m.n, m.elapsed, extra);
  }
  return 0;
}

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: asio_bench <mt|ct> [workload,...]\nworkloads:");
  for (auto* w : kWorkloads) std::fprintf(stderr, " %s", w);
  std::fprintf(stderr, "\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  std::string_view a1 = argv[1];
  if (a1 == "--idle-child") {
    if (argc != 3 || (std::string_view(argv[2]) != "mt" && std::string_view(argv[2]) != "ct"))
      usage();
    return idle_child(argv[2]);
  }
  if ((a1 != "mt" && a1 != "ct") || argc > 3) usage();
  std::vector<std::string> list;
  if (argc == 3) {
    std::string s = argv[2];
    std::size_t pos = 0;
    while (pos <= s.size()) {
      std::size_t e = s.find(',', pos);
      if (e == std::string::npos) e = s.size();
      std::string w = s.substr(pos, e - pos);
      if (!w.empty()) {
        if (std::find_if(std::begin(kWorkloads), std::end(kWorkloads),
                         [&](const char* k) { return w == k; }) == std::end(kWorkloads)) {
          std::fprintf(stderr, "unknown workload %s\n", w.c_str());
          usage();
        }
        list.push_back(w);
      }
      pos = e + 1;
    }
  } else {
    list.assign(std::begin(kWorkloads), std::end(kWorkloads));
  }
  if (a1 == "mt") return bench<MtTraits>("mt", 2, list);
  return bench<CtTraits>("ct", 1, list);
}
