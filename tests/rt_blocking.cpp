// The blocking pool (spawn_blocking), block_in_place, runtime_handle from outside threads,
// and metrics.
#include <edo/blocking.hpp>
#include <edo/edo.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "support/runtimes.hpp"

namespace {

using namespace std::chrono_literals;

class RtBlocking : public edo_test::flavor_test {};

TEST_P(RtBlocking, SpawnBlockingReturnsTheResult) {
  auto rt = make_runtime();
  auto sum = rt.block_on([]() -> edo::task<std::uint64_t> {
    co_return co_await edo::spawn_blocking([] {
      std::uint64_t s = 0;
      for (std::uint64_t i = 1; i <= 1'000'000; ++i) s += i;
      return s;
    });
  }());
  EXPECT_EQ(sum, 500000500000ull);
}

TEST_P(RtBlocking, RunsOnAnotherThread) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    const auto here = std::this_thread::get_id();
    auto there = co_await edo::spawn_blocking([] { return std::this_thread::get_id(); });
    EXPECT_NE(here, there);
  }());
}

TEST_P(RtBlocking, ExceptionBecomesJoinError) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    bool panic = false;
    try {
      co_await edo::spawn_blocking([]() -> int { throw std::runtime_error("blocking failed"); });
    } catch (const edo::join_error& e) {
      panic = e.is_panic();
    }
    EXPECT_TRUE(panic);
  }());
}

TEST_P(RtBlocking, MoreJobsThanThreadsAllComplete) {
  auto b = GetParam() == edo_test::flavor::current_thread ? edo::runtime::builder::current_thread()
                                                          : edo::runtime::builder::multi_thread();
  auto rt = b.enable_all().max_blocking_threads(2).build();
  auto n = rt.block_on([]() -> edo::task<int> {
    std::vector<edo::join_handle<int>> hs;
    for (int i = 0; i < 50; ++i) hs.push_back(edo::spawn_blocking([i] { return i; }));
    int sum = 0;
    for (auto& h : hs) sum += co_await h;
    co_return sum;
  }());
  EXPECT_EQ(n, 49 * 50 / 2);
  EXPECT_LE(rt.metrics().num_blocking_threads, 2u);
}

TEST_P(RtBlocking, AbortBeforeStartCancels) {
  auto b = GetParam() == edo_test::flavor::current_thread ? edo::runtime::builder::current_thread()
                                                          : edo::runtime::builder::multi_thread();
  auto rt = b.enable_all().max_blocking_threads(1).build();
  rt.block_on([]() -> edo::task<> {
    std::promise<void> started, release;
    auto started_f = started.get_future();
    auto gate = release.get_future().share();
    std::atomic<bool> second_ran{false};
    auto first = edo::spawn_blocking([&started, gate] {
      started.set_value();
      gate.wait();  // holds the only blocking thread
      return 1;
    });
    started_f.wait();  // an explicit signal: the pool's one thread is busy now
    auto second = edo::spawn_blocking([&second_ran] { second_ran = true; });
    second.abort();  // still queued: it will never run
    release.set_value();
    EXPECT_EQ(co_await first, 1);
    bool cancelled = false;
    try {
      co_await second;
    } catch (const edo::join_error& e) {
      cancelled = e.is_cancelled();
    }
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(second_ran);
  }());
}

TEST_P(RtBlocking, HandleSpawnsAndBlocksOnFromOutsideThreads) {
  auto rt = make_runtime();
  auto handle = rt.handle();
  // From a plain thread: spawn, and block_on (the current-thread runtime is run by
  // whoever calls block_on; here nobody else is in it).
  int v = 0;
  std::thread th([&] {
    auto h = handle.spawn([]() -> edo::task<int> { co_return 20; });
    v = handle.block_on([](edo::join_handle<int> jh) -> edo::task<int> {
      co_return co_await jh + 1;
    }(std::move(h)));
  });
  th.join();
  EXPECT_EQ(v, 21);
  // From a blocking-pool thread, inside the runtime.
  int w = rt.block_on([]() -> edo::task<int> {
    co_return co_await edo::spawn_blocking([] {
      auto h = edo::runtime_handle::current();
      auto inner = h.spawn([]() -> edo::task<int> { co_return 2; });
      return h.block_on([](edo::join_handle<int> jh) -> edo::task<int> {
        co_return co_await jh * 21;
      }(std::move(inner)));
    });
  }());
  EXPECT_EQ(w, 42);
}

TEST(RtBlockInPlace, OtherTasksRunWhileItBlocks) {
  auto rt = edo::runtime::builder::multi_thread().worker_threads(1).enable_all().build();
  rt.block_on([]() -> edo::task<> {
    std::promise<void> signal;
    auto fut = signal.get_future();
    auto waiter = edo::spawn(
        [](std::future<void>& f) -> edo::task<int> {
          // Blocks its worker until the other task signals: only possible because
          // block_in_place hands the worker's queue to a new thread first.
          edo::block_in_place([&f] { f.wait(); });
          co_return 1;
        },
        std::ref(fut));
    auto signaller = edo::spawn(
        [](std::promise<void>& p) -> edo::task<> {
          co_await edo::yield_now();
          p.set_value();
        },
        std::ref(signal));
    co_await signaller;
    EXPECT_EQ(co_await waiter, 1);
  }());
}

TEST(RtBlockInPlace, CurrentThreadRuntimeRefuses) {
  auto rt = edo::runtime::builder::current_thread().enable_all().build();
  rt.block_on([]() -> edo::task<> {
    EXPECT_THROW(edo::block_in_place([] {}), std::logic_error);
    co_return;
  }());
  // Outside any worker it simply runs.
  EXPECT_EQ(edo::block_in_place([] { return 3; }), 3);
}

TEST_P(RtBlocking, MetricsCountWork) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    std::vector<edo::join_handle<void>> hs;
    for (int i = 0; i < 1000; ++i) hs.push_back(edo::spawn([]() -> edo::task<> { co_return; }));
    for (auto& h : hs) co_await h;
    co_await edo::spawn_blocking([] {});
  }());
  const edo::runtime_metrics m = rt.metrics();
  EXPECT_EQ(m.num_workers, GetParam() == edo_test::flavor::current_thread ? 1u : 2u);
  EXPECT_EQ(m.workers.size(), m.num_workers);
  std::uint64_t polls = 0;
  for (const auto& w : m.workers) polls += w.poll_count;
  EXPECT_GE(polls, 1000u);
  EXPECT_EQ(m.num_alive_tasks, 0u);
  EXPECT_GE(m.num_blocking_threads, 0u);
}

INSTANTIATE_TEST_SUITE_P(Flavors, RtBlocking, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
