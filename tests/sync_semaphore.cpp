// edo::sync::semaphore: permits, FIFO fairness (a large acquire_many at the head holds back
// small ones), close, cancellation (lost place, partial and complete give-back), owned
// permits, plain threads under edo::block_on, a bounded multi-thread stress, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/semaphore.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"
#include "support/test_event.hpp"

namespace {

using edo::sync::semaphore;
using edo_test::completes_before_next_run;
using edo_test::event_source;

TEST(Semaphore, TryAcquireAndRelease) {
  semaphore s(3);
  EXPECT_EQ(s.available_permits(), 3u);
  {
    auto p = s.try_acquire_many(2);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->num_permits(), 2u);
    EXPECT_EQ(s.available_permits(), 1u);
    EXPECT_FALSE(s.try_acquire_many(2));
    auto q = s.try_acquire();
    ASSERT_TRUE(q);
    EXPECT_FALSE(s.try_acquire());
  }
  EXPECT_EQ(s.available_permits(), 3u);
}

TEST(Semaphore, AddForgetMergeSplit) {
  semaphore s(1);
  s.add_permits(4);
  EXPECT_EQ(s.available_permits(), 5u);
  EXPECT_EQ(s.forget_permits(2), 2u);
  EXPECT_EQ(s.available_permits(), 3u);
  {
    auto a = s.try_acquire();
    auto b = s.try_acquire();
    a->merge(std::move(*b));
    EXPECT_EQ(a->num_permits(), 2u);
    EXPECT_EQ(b->num_permits(), 0u);
    auto c = a->split(1);
    ASSERT_TRUE(c);
    EXPECT_EQ(a->num_permits(), 1u);
    EXPECT_FALSE(a->split(2));
    c->forget();  // this one never comes back
  }
  EXPECT_EQ(s.available_permits(), 2u);
  EXPECT_THROW(s.add_permits(semaphore::max_permits), std::length_error);
  EXPECT_THROW(semaphore(semaphore::max_permits + 1), std::length_error);
}

TEST(Semaphore, AcquireReadyAndWaiting) {
  semaphore s(1);
  event_source go;
  std::vector<std::string> log;
  auto holder = [&]() -> edo::task<> {
    auto p = co_await s.acquire();
    log.push_back("holder got");
    co_await go.wait();
    log.push_back("holder releases");
  };
  auto waiter = [&]() -> edo::task<> {
    auto p = co_await s.acquire();
    log.push_back("waiter got");
  };
  auto release = [&]() -> edo::task<> {
    co_await edo::yield_now();
    go.fire(0);
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(holder(), waiter(), release()); }());
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "holder got");
  EXPECT_EQ(log[1], "holder releases");
  EXPECT_EQ(log[2], "waiter got");
  EXPECT_EQ(s.available_permits(), 1u);
}

TEST(Semaphore, FifoOrder) {
  semaphore s(0);
  std::vector<int> order;
  auto waiter = [&](int i) -> edo::task<> {
    auto p = co_await s.acquire();
    order.push_back(i);
    p->forget();
  };
  auto feed = [&]() -> edo::task<> {
    co_await edo::yield_now();  // every waiter is queued
    for (int i = 0; i < 5; ++i) s.add_permits(1);
  };
  edo::block_on([&]() -> edo::task<> {
    co_await edo::join(waiter(0), waiter(1), waiter(2), waiter(3), waiter(4), feed());
  }());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Semaphore, LargeAcquireAtTheHeadHoldsBackSmallOnes) {
  semaphore s(1);
  std::vector<std::string> log;
  auto big = [&]() -> edo::task<> {
    auto p = co_await s.acquire_many(3);  // takes the 1 available, waits for 2 more
    log.push_back("big");
  };
  auto small = [&]() -> edo::task<> {
    auto p = co_await s.acquire();
    log.push_back("small");
  };
  auto feed = [&]() -> edo::task<> {
    co_await edo::yield_now();
    EXPECT_EQ(s.available_permits(), 0u);  // the head took what was there
    s.add_permits(1);                      // not enough for big; small must not pass
    co_await edo::yield_now();
    EXPECT_TRUE(log.empty());
    EXPECT_FALSE(s.try_acquire());  // no barging either
    s.add_permits(1);               // big completes; its permits come back to small
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(big(), small(), feed()); }());
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], "big");
  EXPECT_EQ(log[1], "small");
  EXPECT_EQ(s.available_permits(), 3u);
}

TEST(Semaphore, CloseFailsWaitersAndNewAcquisitions) {
  semaphore s(1);
  auto held = s.try_acquire();
  int failed = 0;
  auto waiter = [&]() -> edo::task<> {
    auto p = co_await s.acquire();
    if (!p) ++failed;
  };
  auto closer = [&]() -> edo::task<> {
    co_await edo::yield_now();
    s.close();
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(waiter(), waiter(), closer()); }());
  EXPECT_EQ(failed, 2);
  EXPECT_TRUE(s.is_closed());
  EXPECT_FALSE(s.try_acquire());
  EXPECT_FALSE(
      edo::block_on([&]() -> edo::task<bool> { co_return (co_await s.acquire()).has_value(); }()));
  held.reset();  // a permit held before close still releases
  EXPECT_EQ(s.available_permits(), 1u);
}

TEST(Semaphore, CloseReturnsPermitsAssignedToWaiters) {
  semaphore s(2);
  bool got = true;
  auto big = [&]() -> edo::task<> { got = (co_await s.acquire_many(5)).has_value(); };
  auto closer = [&]() -> edo::task<> {
    co_await edo::yield_now();
    EXPECT_EQ(s.available_permits(), 0u);
    s.close();
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(big(), closer()); }());
  EXPECT_FALSE(got);
  EXPECT_EQ(s.available_permits(), 2u);
}

TEST(Semaphore, CancelledWaiterLosesItsPlaceAndTakesNothing) {
  semaphore s(0);
  EXPECT_FALSE(edo::block_on(completes_before_next_run(s.acquire())));
  s.add_permits(1);
  EXPECT_EQ(s.available_permits(), 1u);  // nothing was handed to the cancelled waiter
  EXPECT_TRUE(s.try_acquire().has_value());
}

TEST(Semaphore, CancelledHeadGivesPartialPermitsToTheNext) {
  semaphore s(2);
  std::vector<std::string> log;
  auto small = [&]() -> edo::task<> {
    auto p = co_await s.acquire_many(2);
    log.push_back("small");
  };
  auto t = [&]() -> edo::task<> {
    auto big_cancelled = [&]() -> edo::task<> {
      // acquire_many(3) takes the 2 available and waits; cancelled, it gives them back.
      EXPECT_FALSE(co_await completes_before_next_run(s.acquire_many(3)));
    };
    co_await edo::join(big_cancelled(), small());
  };
  edo::block_on(t());
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(s.available_permits(), 2u);
}

TEST(Semaphore, PermitAssignedToACancelledWaiterIsGivenBack) {
  semaphore s(1);
  event_source other;
  auto held = s.try_acquire();
  auto t = [&]() -> edo::task<std::size_t> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      held.reset();   // the permit is handed to the select's branch 1 ...
      other.fire(0);  // ... and branch 0 completes in the same run: branch 0 wins
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), s.acquire()), fire_both());
    (void)ignored;
    co_return r.index();
  };
  EXPECT_EQ(edo::block_on(t()), 0u);
  EXPECT_EQ(s.available_permits(), 1u);  // given back by the torn-down branch
}

TEST(Semaphore, AcquisitionDeferredByTheBudgetIsGivenBack) {
  // On a runtime a task run may complete 128 ready operations; past that an acquisition
  // completes but is delivered at the next run. If a select's lower-index branch wins in
  // that run, the deferred acquisition is torn down and must give its permit back.
  auto rt = edo::runtime::builder::current_thread().enable_all().build();
  semaphore s(5);
  const int lost = rt.block_on([&]() -> edo::task<int> {
    int yield_won = 0;
    // Each iteration starts a run (the select below always ends one) and spends k units
    // of the budget before the select: some k leaves none for the select's acquisition.
    for (int k = 0; k < 260; ++k) {
      for (int j = 0; j < k; ++j) (void)co_await s.acquire();
      {
        auto r = co_await edo::select(edo::yield_now(), s.acquire());
        if (r.index() == 0) ++yield_won;  // the acquisition had been deferred, then lost
      }
      EXPECT_EQ(s.available_permits(), 5u) << "k=" << k;
    }
    co_return yield_won;
  }());
  EXPECT_GE(lost, 1);
  EXPECT_EQ(s.available_permits(), 5u);
}

TEST(Semaphore, OwnedPermitKeepsTheSemaphoreAlive) {
  auto s = std::make_shared<semaphore>(1);
  std::weak_ptr<semaphore> w = s;
  auto p = edo::block_on([](std::shared_ptr<semaphore> sem)
                             -> edo::task<std::optional<edo::sync::owned_semaphore_permit>> {
    co_return co_await acquire_owned(std::move(sem));
  }(s));
  ASSERT_TRUE(p);
  EXPECT_FALSE(try_acquire_owned(s));
  s.reset();
  EXPECT_FALSE(w.expired());
  EXPECT_EQ(p->semaphore_ptr()->available_permits(), 0u);
  p.reset();
  EXPECT_TRUE(w.expired());
}

TEST(Semaphore, PlainThreadsReleaseToABlockOnWaiter) {
  semaphore s(0);
  std::thread feeder([&] {
    for (int i = 0; i < 1000; ++i) s.add_permits(1);
  });
  const int got = edo::block_on([&]() -> edo::task<int> {
    int n = 0;
    for (int i = 0; i < 1000; ++i) {
      auto p = co_await s.acquire();
      p->forget();
      ++n;
    }
    co_return n;
  }());
  feeder.join();
  EXPECT_EQ(got, 1000);
  EXPECT_EQ(s.available_permits(), 0u);
}

TEST(Semaphore, StressBoundsConcurrency) {
  constexpr int threads = 4;
  constexpr int iters = 3000;
  semaphore s(2);
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<long> total{0};
  edo_test::run_threads(threads, [&](int) {
    edo::block_on([&]() -> edo::task<> {
      for (int i = 0; i < iters; ++i) {
        auto p = co_await s.acquire_many(1 + i % 2);
        const int now = inside.fetch_add(static_cast<int>(p->num_permits())) +
                        static_cast<int>(p->num_permits());
        int m = max_inside.load();
        while (now > m && !max_inside.compare_exchange_weak(m, now)) {
        }
        total.fetch_add(1);
        inside.fetch_sub(static_cast<int>(p->num_permits()));
        if (i % 7 == 0) {
          // Cancellation under contention: the permit count must survive it.
          co_await edo_test::completes_before_next_run(s.acquire());
        }
      }
    }());
  });
  EXPECT_EQ(total.load(), threads * iters);
  EXPECT_LE(max_inside.load(), 2);
  EXPECT_EQ(s.available_permits(), 2u);
}

class SemaphoreRt : public edo_test::flavor_test {};

TEST_P(SemaphoreRt, BoundsSpawnedTasks) {
  auto rt = make_runtime();
  const int max_seen = rt.block_on([]() -> edo::task<int> {
    auto sem = std::make_shared<semaphore>(3);
    auto inside = std::make_shared<std::atomic<int>>(0);
    auto max_inside = std::make_shared<std::atomic<int>>(0);
    std::vector<edo::join_handle<void>> hs;
    for (int i = 0; i < 50; ++i) {
      hs.push_back(edo::spawn(
          [](std::shared_ptr<semaphore> s, std::shared_ptr<std::atomic<int>> in,
             std::shared_ptr<std::atomic<int>> mx) -> edo::task<> {
            auto p = co_await acquire_owned(s);  // owned: the permit could move elsewhere
            const int now = ++*in;
            int m = mx->load();
            while (now > m && !mx->compare_exchange_weak(m, now)) {
            }
            co_await edo::yield_now();
            --*in;
          },
          sem, inside, max_inside));
    }
    for (auto& h : hs) co_await h;
    EXPECT_EQ(sem->available_permits(), 3u);
    co_return max_inside->load();
  }());
  EXPECT_LE(max_seen, 3);
  EXPECT_GE(max_seen, 1);
}

TEST_P(SemaphoreRt, OwnedPermitMovesIntoAnotherTask) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto sem = std::make_shared<semaphore>(1);
    auto p = co_await acquire_owned(sem);
    EXPECT_EQ(sem->available_permits(), 0u);
    auto h = edo::spawn(
        [](edo::sync::owned_semaphore_permit& permit) -> edo::task<> {
          co_await edo::yield_now();
          (void)permit;  // released when this task ends
        },
        std::move(*p));
    co_await h;
    auto again = co_await sem->acquire();  // free again
    EXPECT_TRUE(again.has_value());
  }());
}

INSTANTIATE_TEST_SUITE_P(All, SemaphoreRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
