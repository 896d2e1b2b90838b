// The WORKLOADS.md workloads on edo. Each returns the run it measured: the clock starts and
// stops inside the driver task, which run_workload spawns onto the runtime.
#include "workloads.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <edo/edo.hpp>
#include <edo/sync/mpsc.hpp>
#include <edo/sync/oneshot.hpp>

namespace edo_bench {
namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::atomic<std::uint64_t> counter{0};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "edo_bench: check failed: %s\n", what);
    std::abort();
  }
}

edo::task<> increment() {
  counter.fetch_add(1, std::memory_order_relaxed);
  co_return;
}

edo::task<run> spawn_many(std::uint64_t n) {
  counter.store(0, std::memory_order_relaxed);
  const auto t0 = steady::now();
  std::vector<edo::join_handle<void>> hs;
  hs.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) hs.push_back(edo::spawn(increment()));
  for (auto& h : hs) co_await h;
  const auto elapsed = steady::now() - t0;
  check(counter.load() == n, "spawn_many count");
  co_return run{n, elapsed};
}

edo::task<> yielder(std::uint64_t per_task) {
  for (std::uint64_t i = 0; i < per_task; ++i) co_await edo::yield_now();
}

edo::task<run> yield_many(std::uint64_t per_task) {
  const auto t0 = steady::now();
  std::vector<edo::join_handle<void>> hs;
  hs.reserve(yield_tasks);
  for (std::uint64_t i = 0; i < yield_tasks; ++i) hs.push_back(edo::spawn(yielder(per_task)));
  for (auto& h : hs) co_await h;
  co_return run{yield_tasks * per_task, steady::now() - t0};
}

// B of a ping-pong pair: replies to every ping; ends when A drops its sender.
edo::task<> pong(edo::sync::mpsc::receiver<std::uint64_t> ping_rx,
                 edo::sync::mpsc::sender<std::uint64_t> pong_tx) {
  while (auto v = co_await ping_rx.recv()) {
    auto r = co_await pong_tx.send(*v + 1);
    check(r.ok(), "pong send");
  }
}

// A: sends and waits for the reply, `round_trips` times.
edo::task<> ping(edo::sync::mpsc::sender<std::uint64_t> ping_tx,
                 edo::sync::mpsc::receiver<std::uint64_t> pong_rx, std::uint64_t round_trips) {
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    auto r = co_await ping_tx.send(i);
    check(r.ok(), "ping send");
    auto v = co_await pong_rx.recv();
    check(v && *v == i + 1, "ping reply");
  }
}

edo::task<run> ping_pong(std::uint64_t round_trips) {
  const auto t0 = steady::now();
  std::vector<edo::join_handle<void>> hs;
  hs.reserve(2 * ping_pong_pairs);
  for (std::uint64_t p = 0; p < ping_pong_pairs; ++p) {
    auto [ping_tx, ping_rx] = edo::sync::mpsc::channel<std::uint64_t>(1);
    auto [pong_tx, pong_rx] = edo::sync::mpsc::channel<std::uint64_t>(1);
    hs.push_back(edo::spawn(pong(std::move(ping_rx), std::move(pong_tx))));
    hs.push_back(edo::spawn(ping(std::move(ping_tx), std::move(pong_rx), round_trips)));
  }
  for (auto& h : hs) co_await h;
  co_return run{ping_pong_pairs * round_trips, steady::now() - t0};
}

edo::task<> producer(edo::sync::mpsc::sender<std::uint64_t> tx, std::uint64_t first,
                     std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    auto r = co_await tx.send(first + i);
    check(r.ok(), "producer send");
  }
}

edo::task<run> mpsc_contended(std::uint64_t per_producer) {
  const auto t0 = steady::now();
  auto [tx, rx] = edo::sync::mpsc::channel<std::uint64_t>(mpsc_capacity);
  std::vector<edo::join_handle<void>> hs;
  for (std::uint64_t p = 0; p < producers; ++p) {
    hs.push_back(edo::spawn(producer(tx, p * per_producer, per_producer)));
  }
  { auto drop = std::move(tx); }
  // The driver is the one consumer.
  const std::uint64_t total = producers * per_producer;
  std::uint64_t got = 0, sum = 0;
  while (auto v = co_await rx.recv()) {
    ++got;
    sum += *v;
  }
  const auto elapsed = steady::now() - t0;
  for (auto& h : hs) co_await h;
  check(got == total, "mpsc_contended count");
  check(sum == total * (total - 1) / 2, "mpsc_contended sum");
  co_return run{total, elapsed};
}

// Spawns the next link, which spawns the next ... `left` spawns in total; the task spawned
// last signals completion.
edo::task<> chain(std::uint64_t left, edo::sync::oneshot::sender<int> done) {
  if (left == 0) {
    (void)done.send(0);
  } else {
    edo::spawn(chain, left - 1, std::move(done)).detach();
  }
  co_return;
}

edo::task<run> chained_spawn(std::uint64_t depth) {
  const auto t0 = steady::now();
  auto [tx, rx] = edo::sync::oneshot::channel<int>();
  co_await chain(depth, std::move(tx));
  auto v = co_await rx;
  check(v.has_value(), "chained_spawn completion");
  co_return run{depth, steady::now() - t0};
}

edo::task<> sleeper(std::uint64_t ms) {
  co_await edo::time::sleep(std::chrono::milliseconds(ms));
}

edo::task<run> timers(std::uint64_t n) {
  const auto t0 = steady::now();
  std::uint32_t x = timers_seed;
  std::vector<edo::join_handle<void>> hs;
  hs.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) hs.push_back(edo::spawn(sleeper(xorshift_ms(x))));
  for (auto& h : hs) co_await h;
  co_return run{n, steady::now() - t0};
}

edo::task<std::uint64_t> ready(std::uint64_t v) {
  co_return v;
}

edo::task<run> timeout_ready(std::uint64_t n) {
  const auto t0 = steady::now();
  std::uint64_t acc = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    // A 1 s timeout around an already-ready operation: it completes at once, and edo arms
    // no timer for it (timeout runs the operation first).
    auto r = co_await edo::time::timeout(1s, ready(i));
    check(static_cast<bool>(r), "ready operation timed out");
    acc += *r;
  }
  const auto elapsed = steady::now() - t0;
  check(acc == n * (n - 1) / 2, "timeout_ready sum");
  co_return run{n, elapsed};
}

template <class F>
run drive(edo::runtime& rt, F make) {
  return rt.block_on([](F mk) -> edo::task<run> { co_return co_await edo::spawn(mk()); }(make));
}

}  // namespace

run tcp_echo(edo::runtime& rt, const sizes& sz);  // workloads_io.cpp

run run_workload(edo::runtime& rt, const std::string& w, const sizes& sz) {
  if (w == "spawn_many") return drive(rt, [&] { return spawn_many(sz.spawn_tasks); });
  if (w == "yield_many") return drive(rt, [&] { return yield_many(sz.yields_per_task); });
  if (w == "ping_pong") return drive(rt, [&] { return ping_pong(sz.round_trips_per_pair); });
  if (w == "mpsc_contended") {
    return drive(rt, [&] { return mpsc_contended(sz.msgs_per_producer); });
  }
  if (w == "chained_spawn") return drive(rt, [&] { return chained_spawn(sz.chain_depth); });
  if (w == "timers") return drive(rt, [&] { return timers(sz.timers); });
  if (w == "timeout_ready") return drive(rt, [&] { return timeout_ready(sz.timeout_iters); });
  if (w == "tcp_echo") return tcp_echo(rt, sz);
  std::fprintf(stderr, "edo_bench: workload %s is not implemented yet\n", w.c_str());
  std::exit(3);
}

// idle_tasks_mem, in the fresh child process: spawn n tasks that each sleep 10 s, keeping
// their join handles in a vector of capacity n; wait until every task reached its sleep;
// peak-RSS growth / n; then abort them all.
void idle_child(flavor f) {
  static std::atomic<std::uint64_t> started{0};
  const std::uint64_t n = scaled_sizes().idle_tasks;
  edo::runtime rt = build_runtime(f);
  const std::string line =
      rt.block_on([](std::uint64_t count, flavor fl) -> edo::task<std::string> {
        co_return co_await edo::spawn(
            [](std::uint64_t cnt, flavor fll) -> edo::task<std::string> {
              reset_hwm();
              const std::uint64_t before = vm_hwm_bytes();
              const auto t0 = steady::now();
              std::vector<edo::join_handle<void>> hs;
              hs.reserve(cnt);
              for (std::uint64_t i = 0; i < cnt; ++i) {
                hs.push_back(edo::spawn([]() -> edo::task<> {
                  started.fetch_add(1, std::memory_order_relaxed);
                  co_await edo::time::sleep(10s);
                }()));
              }
              while (started.load(std::memory_order_relaxed) < cnt) co_await edo::yield_now();
              const auto elapsed = steady::now() - t0;
              const std::uint64_t after = vm_hwm_bytes();
              for (auto& h : hs) h.abort();
              for (auto& h : hs) {
                bool cancelled = false;
                try {
                  co_await h;
                } catch (const edo::join_error& e) {
                  cancelled = e.is_cancelled();
                }
                check(cancelled, "idle task not cancelled");
              }
              char extra[64];
              std::snprintf(extra, sizeof extra, "bytes_per_task:%.1f",
                            static_cast<double>(after - before) / static_cast<double>(cnt));
              co_return result_line("idle_tasks_mem", fll, cnt, elapsed, extra);
            },
            count, fl);
      }(n, f));
  emit(line);
}

}  // namespace edo_bench
