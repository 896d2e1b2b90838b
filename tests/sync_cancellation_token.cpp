// edo::sync::cancellation_token: cancel / is_cancelled, the cancelled() future, child tokens
// (cancelled with their parent, not the other way round; born cancelled under a cancelled
// parent), the drop guard, cancellation of cancelled() itself, plain threads, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/cancellation_token.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"

namespace {

using edo::sync::cancellation_token;
using edo_test::completes_before_next_run;

TEST(CancellationToken, CancelIsSeenByCopiesAndWaiters) {
  cancellation_token t;
  auto copy = t;
  EXPECT_TRUE(copy == t);
  EXPECT_FALSE(t.is_cancelled());
  int woken = 0;
  auto waiter = [&]() -> edo::task<> {
    co_await copy.cancelled();
    ++woken;
  };
  auto canceller = [&]() -> edo::task<> {
    co_await edo::yield_now();
    t.cancel();
    t.cancel();  // idempotent
    co_return;
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(waiter(), waiter(), canceller()); }());
  EXPECT_EQ(woken, 2);
  EXPECT_TRUE(copy.is_cancelled());
  edo::block_on([&]() -> edo::task<> { co_await t.cancelled(); }());  // at once now
}

TEST(CancellationToken, ChildrenFollowTheirParentNotTheOtherWay) {
  cancellation_token root;
  auto child = root.child_token();
  auto grandchild = child.child_token();
  auto sibling = root.child_token();
  child.cancel();
  EXPECT_TRUE(child.is_cancelled());
  EXPECT_TRUE(grandchild.is_cancelled());
  EXPECT_FALSE(root.is_cancelled());
  EXPECT_FALSE(sibling.is_cancelled());
  root.cancel();
  EXPECT_TRUE(sibling.is_cancelled());
  EXPECT_TRUE(root.child_token().is_cancelled());  // born cancelled
}

TEST(CancellationToken, GrandchildOfADroppedChildIsStillReached) {
  cancellation_token root;
  cancellation_token grandchild;
  {
    auto child = root.child_token();
    grandchild = child.child_token();
  }  // the child's handles are gone; its node lives on for the grandchild
  root.cancel();
  EXPECT_TRUE(grandchild.is_cancelled());
}

TEST(CancellationToken, ParentCancelWakesWaitersOfDescendants) {
  cancellation_token root;
  auto a = root.child_token();
  auto b = a.child_token();
  int woken = 0;
  auto waiter = [&](cancellation_token t) -> edo::task<> {
    co_await t.cancelled();
    ++woken;
  };
  auto canceller = [&]() -> edo::task<> {
    co_await edo::yield_now();
    root.cancel();
    co_return;
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(waiter(a), waiter(b), canceller()); }());
  EXPECT_EQ(woken, 2);
}

TEST(CancellationToken, DropGuard) {
  cancellation_token t;
  { auto g = t.drop_guard(); }
  EXPECT_TRUE(t.is_cancelled());
  cancellation_token u;
  cancellation_token back;
  {
    auto g = u.drop_guard();
    back = g.disarm();
  }
  EXPECT_FALSE(u.is_cancelled());
  EXPECT_TRUE(back == u);
}

TEST(CancellationToken, CancelledFutureIsCancelSafe) {
  cancellation_token t;
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < 10; ++i) EXPECT_FALSE(co_await completes_before_next_run(t.cancelled()));
    t.cancel();
    EXPECT_TRUE(co_await completes_before_next_run(t.cancelled()));
  }());
}

TEST(CancellationToken, SelectStopsAWorker) {
  cancellation_token stop;
  int iterations = 0;
  auto worker = [&]() -> edo::task<> {
    for (;;) {
      auto r = co_await edo::select(stop.cancelled(), edo::yield_now());
      if (r.index() == 0) co_return;
      ++iterations;
      if (iterations == 5) stop.cancel();
    }
  };
  edo::block_on(worker());
  EXPECT_EQ(iterations, 5);
}

TEST(CancellationToken, PlainThreadsCancelAndCreateChildren) {
  for (int round = 0; round < 50; ++round) {
    cancellation_token root;
    std::vector<cancellation_token> kids;
    for (int i = 0; i < 8; ++i) kids.push_back(root.child_token());
    std::thread canceller([&] { root.cancel(); });
    std::atomic<int> done{0};
    edo_test::run_threads(2, [&](int id) {
      edo::block_on([&]() -> edo::task<> {
        for (int i = id; i < 8; i += 2) {
          auto grandchild = kids[i].child_token();  // races with the cancel
          co_await grandchild.cancelled();
          co_await kids[i].cancelled();
          ++done;
        }
      }());
    });
    canceller.join();
    EXPECT_EQ(done.load(), 8);
  }
}

class CancellationTokenRt : public edo_test::flavor_test {};

TEST_P(CancellationTokenRt, ShutsDownSpawnedWorkers) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    cancellation_token shutdown;
    std::vector<edo::join_handle<int>> hs;
    for (int i = 0; i < 4; ++i) {
      hs.push_back(edo::spawn(
          [](cancellation_token t) -> edo::task<int> {
            int ticks = 0;
            for (;;) {
              auto r = co_await edo::select(t.cancelled(), edo::yield_now());
              if (r.index() == 0) co_return ticks;
              ++ticks;
            }
          },
          shutdown.child_token()));
    }
    for (int i = 0; i < 10; ++i) co_await edo::yield_now();
    shutdown.cancel();
    for (auto& h : hs) EXPECT_GE(co_await h, 0);
  }());
}

INSTANTIATE_TEST_SUITE_P(All, CancellationTokenRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
