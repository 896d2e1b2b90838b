// edo::sync::mutex: guards, try_lock, FIFO hand-off, owned guards moved into tasks,
// cancellation (a waiting lock loses its place; a lock handed to a cancelled waiter is
// released), plain threads under edo::block_on, a multi-thread stress, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/mutex.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"
#include "support/test_event.hpp"

namespace {

using edo::sync::mutex;
using edo_test::completes_before_next_run;
using edo_test::event_source;

TEST(Mutex, LockGuardsTheValue) {
  mutex<std::vector<int>> m;
  edo::block_on([&]() -> edo::task<> {
    {
      auto g = co_await m.lock();
      g->push_back(1);
      (*g).push_back(2);
      EXPECT_TRUE(g.owns_lock());
      EXPECT_FALSE(m.try_lock());
    }
    auto g = m.try_lock();
    EXPECT_TRUE(g);
    EXPECT_EQ((*g)->size(), 2u);
    g->unlock();
    EXPECT_FALSE(g->owns_lock());
    EXPECT_TRUE(m.try_lock());
  }());
}

TEST(Mutex, GuardMovesAndUnlocksOnce) {
  mutex<int> m(5);
  auto g = m.try_lock();
  ASSERT_TRUE(g);
  auto h = std::move(*g);
  EXPECT_FALSE(g->owns_lock());
  EXPECT_EQ(*h, 5);
  g.reset();
  EXPECT_FALSE(m.try_lock());
  h.unlock();
  EXPECT_TRUE(m.try_lock());
}

TEST(Mutex, WaitersAreServedInOrder) {
  mutex<std::vector<int>> m;
  auto first = m.try_lock();
  auto locker = [&](int i) -> edo::task<> {
    auto g = co_await m.lock();
    g->push_back(i);
    co_await edo::yield_now();  // hold it across an await
  };
  auto release = [&]() -> edo::task<> {
    co_await edo::yield_now();
    first.reset();
  };
  edo::block_on([&]() -> edo::task<> {
    co_await edo::join(locker(0), locker(1), locker(2), locker(3), release());
  }());
  EXPECT_EQ(m.get_mut(), (std::vector<int>{0, 1, 2, 3}));
}

TEST(Mutex, NoBargingWhileSomeoneWaits) {
  mutex<int> m;
  auto held = m.try_lock();
  bool waiter_done = false;
  auto waiter = [&]() -> edo::task<> {
    auto g = co_await m.lock();
    waiter_done = true;
  };
  auto check = [&]() -> edo::task<> {
    co_await edo::yield_now();
    held.reset();                // hands the lock to the waiter ...
    EXPECT_FALSE(m.try_lock());  // ... so a newcomer cannot take it
    co_return;
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(waiter(), check()); }());
  EXPECT_TRUE(waiter_done);
  EXPECT_TRUE(m.try_lock());
}

TEST(Mutex, CancelledLockLosesItsPlace) {
  mutex<int> m;
  auto held = m.try_lock();
  EXPECT_FALSE(edo::block_on(completes_before_next_run(m.lock())));
  held.reset();
  EXPECT_TRUE(m.try_lock());  // nobody is queued anymore
}

TEST(Mutex, LockHandedToACancelledWaiterIsReleased) {
  mutex<int> m;
  event_source other;
  auto held = m.try_lock();
  auto t = [&]() -> edo::task<std::size_t> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      held.reset();   // the lock goes to branch 1 ...
      other.fire(0);  // ... and branch 0 wins in the same run
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), m.lock()), fire_both());
    (void)ignored;
    co_return r.index();
  };
  EXPECT_EQ(edo::block_on(t()), 0u);
  EXPECT_TRUE(m.try_lock());  // given back by the torn-down branch
}

TEST(Mutex, OwnedGuardKeepsTheMutexAlive) {
  auto m = std::make_shared<mutex<std::string>>("x");
  std::weak_ptr<mutex<std::string>> w = m;
  auto g = edo::block_on([](std::shared_ptr<mutex<std::string>> mx)
                             -> edo::task<edo::sync::owned_mutex_guard<std::string>> {
    co_return co_await lock_owned(std::move(mx));
  }(m));
  EXPECT_FALSE(try_lock_owned(m));
  m.reset();
  EXPECT_FALSE(w.expired());
  *g += "y";
  EXPECT_EQ(*g, "xy");
  g.unlock();
  EXPECT_TRUE(w.expired());
}

TEST(Mutex, PlainThreadsWithBlockOn) {
  mutex<long> m(0);
  constexpr int threads = 4;
  constexpr int iters = 5000;
  edo_test::run_threads(threads, [&](int) {
    edo::block_on([&]() -> edo::task<> {
      for (int i = 0; i < iters; ++i) {
        auto g = co_await m.lock();
        const long v = *g;
        if (i % 64 == 0) co_await edo::yield_now();  // hold it across an await sometimes
        *g = v + 1;
        if (i % 97 == 0) {
          g.unlock();
          co_await completes_before_next_run(m.lock());  // cancelled or not: no leak
        }
      }
    }());
  });
  EXPECT_EQ(m.get_mut(), threads * iters);
  EXPECT_TRUE(m.try_lock());
}

class MutexRt : public edo_test::flavor_test {};

TEST_P(MutexRt, OwnedGuardMovesIntoASpawnedTask) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto m = std::make_shared<mutex<std::vector<int>>>();
    auto g = co_await lock_owned(m);
    g->push_back(1);
    // The guard moves into the task: it unlocks there.
    auto h = edo::spawn(
        [](edo::sync::owned_mutex_guard<std::vector<int>>& guard) -> edo::task<> {
          co_await edo::yield_now();
          guard->push_back(2);
        },
        std::move(g));
    auto g2 = co_await m->lock();  // waits for the spawned task's unlock
    g2->push_back(3);
    EXPECT_EQ(*g2, (std::vector<int>{1, 2, 3}));
    co_await h;
  }());
}

TEST_P(MutexRt, ManyTasksIncrement) {
  auto rt = make_runtime();
  const long total = rt.block_on([]() -> edo::task<long> {
    auto m = std::make_shared<mutex<long>>(0);
    std::vector<edo::join_handle<void>> hs;
    for (int t = 0; t < 20; ++t) {
      hs.push_back(edo::spawn(
          [](std::shared_ptr<mutex<long>> mx) -> edo::task<> {
            for (int i = 0; i < 200; ++i) {
              auto g = co_await mx->lock();
              const long v = *g;
              if (i % 10 == 0) co_await edo::yield_now();
              *g = v + 1;
            }
          },
          m));
    }
    for (auto& h : hs) co_await h;
    co_return *co_await m->lock();
  }());
  EXPECT_EQ(total, 20 * 200);
}

INSTANTIATE_TEST_SUITE_P(All, MutexRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
