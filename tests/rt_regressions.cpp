// Regression tests for core bugs found while building on the core.
#include <edo/blocking.hpp>
#include <edo/edo.hpp>

#include <gtest/gtest.h>

#include <vector>

#include "support/runtimes.hpp"

namespace {

class RtRegressions : public edo_test::flavor_test {};

edo::task<> blocking_branch() {
  co_await edo::spawn_blocking([] {});
}

// block_on's task cell lives on block_on's stack: a join branch woken by a blocking-pool
// thread held a reference on it after block_on returned (stack use after return).
TEST_P(RtRegressions, BlockOnReturnsOnlyAfterTheLastWakerLetGo) {
  for (int i = 0; i < 200; ++i) {
    auto rt = make_runtime();
    rt.block_on(
        []() -> edo::task<> { co_await edo::join(blocking_branch(), blocking_branch()); }());
  }
  for (int i = 0; i < 200; ++i) {
    edo::block_on([]() -> edo::task<> {
      co_await edo::join([]() -> edo::task<> { co_return; }(),
                         []() -> edo::task<> { co_return; }());
    }());
  }
}

edo::task<int> child(int v) {
  co_return v;
}

edo::task<long> parent() {
  long s = 0;
  for (int i = 0; i < 200; ++i) {
    s += co_await child(i);  // a frame allocated after a suspension, maybe on another thread
    co_await edo::spawn_blocking([] {});
  }
  co_return s;
}

// A coroutine ramp inlined into a coroutine body used a thread-local address computed
// before a suspension (clang): two workers popped one thread's frame free list.
TEST_P(RtRegressions, FramesAllocatedAfterMigratingUseTheRightThreadCache) {
  auto rt = make_runtime();
  const long total = rt.block_on([]() -> edo::task<long> {
    std::vector<edo::join_handle<long>> hs;
    for (int i = 0; i < 16; ++i) hs.push_back(edo::spawn(parent()));
    long t = 0;
    for (auto& h : hs) t += co_await h;
    co_return t;
  }());
  EXPECT_EQ(total, 16L * 199 * 200 / 2);
}

INSTANTIATE_TEST_SUITE_P(Flavors, RtRegressions, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
