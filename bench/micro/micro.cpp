// Micro-benchmarks (Google Benchmark) of single operations, with no runtime where none is
// needed (edo::block_on): tearing down a suspended chain against unwinding an exception
// through the same frames (issue 2), and uncontended mutex / semaphore operations
// (issue 4). Timing claims live here, never in tests.
#include <benchmark/benchmark.h>

#include <edo/block_on.hpp>
#include <edo/select.hpp>
#include <edo/sync/mutex.hpp>
#include <edo/sync/semaphore.hpp>
#include <edo/task.hpp>

#include <stdexcept>

#include "../../tests/support/test_event.hpp"

namespace {

edo::task<int> value() {
  co_return 1;
}

// A chain `depth` coroutines deep, suspended on an event that never fires.
edo::task<int> chain(int depth, edo_test::event_source& ev) {
  if (depth == 1) co_return co_await ev.wait();
  co_return 1 + co_await chain(depth - 1, ev);
}

// select(chain, value): the chain starts, suspends `depth` frames deep, loses, is torn down.
void BM_select_teardown(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  edo_test::event_source ev;
  edo::block_on([](benchmark::State& st, int d, edo_test::event_source& e) -> edo::task<> {
    for (auto _ : st) {
      auto r = co_await edo::select(chain(d, e), value());
      benchmark::DoNotOptimize(r);
    }
  }(state, depth, ev));
}
BENCHMARK(BM_select_teardown)->Arg(1)->Arg(10);

edo::task<int> thrower(int depth) {
  if (depth == 1) throw std::runtime_error("unwind");
  co_return 1 + co_await thrower(depth - 1);
}

// The same depth of frames left by an exception (each frame rethrows to its awaiter).
void BM_exception_unwind(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  edo::block_on([](benchmark::State& st, int d) -> edo::task<> {
    for (auto _ : st) {
      bool caught = false;
      try {
        co_await thrower(d);
      } catch (const std::runtime_error&) {
        caught = true;
      }
      benchmark::DoNotOptimize(caught);
    }
  }(state, depth));
}
BENCHMARK(BM_exception_unwind)->Arg(1)->Arg(10);

void BM_mutex_lock_unlock(benchmark::State& state) {
  edo::sync::mutex<int> m(0);
  edo::block_on([](benchmark::State& st, edo::sync::mutex<int>& mm) -> edo::task<> {
    for (auto _ : st) {
      auto g = co_await mm.lock();
      ++*g;
    }
  }(state, m));
}
BENCHMARK(BM_mutex_lock_unlock);

void BM_semaphore_acquire_release(benchmark::State& state) {
  edo::sync::semaphore s(1);
  edo::block_on([](benchmark::State& st, edo::sync::semaphore& ss) -> edo::task<> {
    for (auto _ : st) {
      auto p = co_await ss.acquire();
      benchmark::DoNotOptimize(p);
    }
  }(state, s));
}
BENCHMARK(BM_semaphore_acquire_release);

}  // namespace

BENCHMARK_MAIN();
