// edo::sync::barrier: n parties, one leader per generation, reuse, cancellation withdraws an
// arrival, plain threads under edo::block_on, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/barrier.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"

namespace {

using edo::sync::barrier;
using edo_test::completes_before_next_run;

TEST(Barrier, ReleasesAllWithOneLeader) {
  barrier b(3);
  int leaders = 0;
  int after = 0;
  std::vector<int> arrived;
  auto party = [&](int i) -> edo::task<> {
    for (int k = 0; k < i; ++k) co_await edo::yield_now();
    arrived.push_back(i);
    auto r = co_await b.wait();
    EXPECT_EQ(arrived.size(), 3u);  // nobody passes before all arrived
    if (r.is_leader()) ++leaders;
    ++after;
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(party(0), party(1), party(2)); }());
  EXPECT_EQ(leaders, 1);
  EXPECT_EQ(after, 3);
}

TEST(Barrier, ZeroAndOnePartiesNeverWait) {
  barrier b0(0), b1(1);
  edo::block_on([&]() -> edo::task<> {
    EXPECT_TRUE((co_await b0.wait()).is_leader());
    EXPECT_TRUE((co_await b1.wait()).is_leader());
  }());
}

TEST(Barrier, IsReusableOneLeaderPerGeneration) {
  barrier b(2);
  int leaders = 0;
  auto party = [&]() -> edo::task<> {
    for (int g = 0; g < 10; ++g) {
      if ((co_await b.wait()).is_leader()) ++leaders;
    }
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(party(), party()); }());
  EXPECT_EQ(leaders, 10);
}

TEST(Barrier, CancelledWaitWithdrawsItsArrival) {
  barrier b(2);
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(b.wait()));  // withdrawn
    // One arrival alone must not release the barrier now.
    EXPECT_FALSE(co_await completes_before_next_run(b.wait()));
    auto [x, y] = co_await edo::join(b.wait(), b.wait());
    EXPECT_NE(x.is_leader(), y.is_leader());
  }());
}

TEST(Barrier, PlainThreads) {
  constexpr int n = 4;
  constexpr int generations = 200;
  barrier b(n);
  std::atomic<int> leaders{0};
  std::atomic<int> phase_count[generations] = {};
  edo_test::run_threads(n, [&](int) {
    edo::block_on([&]() -> edo::task<> {
      for (int g = 0; g < generations; ++g) {
        phase_count[g].fetch_add(1);
        auto r = co_await b.wait();
        EXPECT_EQ(phase_count[g].load(), n);  // everyone of this generation arrived
        if (r.is_leader()) leaders.fetch_add(1);
      }
    }());
  });
  EXPECT_EQ(leaders.load(), generations);
}

class BarrierRt : public edo_test::flavor_test {};

TEST_P(BarrierRt, SpawnedParties) {
  auto rt = make_runtime();
  const int leaders = rt.block_on([]() -> edo::task<int> {
    auto b = std::make_shared<barrier>(5);
    std::vector<edo::join_handle<bool>> hs;
    for (int i = 0; i < 5; ++i) {
      hs.push_back(edo::spawn(
          [](std::shared_ptr<barrier> br) -> edo::task<bool> {
            co_return (co_await br->wait()).is_leader();
          },
          b));
    }
    int n = 0;
    for (auto& h : hs) n += (co_await h) ? 1 : 0;
    co_return n;
  }());
  EXPECT_EQ(leaders, 1);
}

INSTANTIATE_TEST_SUITE_P(All, BarrierRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
