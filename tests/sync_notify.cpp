// edo::sync::notify: the stored permit (one at most), FIFO notify_one, notify_last,
// notify_waiters (all current waiters, no permit, counts notified() created before it),
// enable() before awaiting, cancellation (a delivered notify_one is passed on), plain
// threads under edo::block_on, a bounded stress, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/notify.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"
#include "support/test_event.hpp"

namespace {

using edo::sync::notify;
using edo_test::completes_before_next_run;
using edo_test::event_source;

TEST(Notify, NotifyOneStoresOnePermit) {
  notify n;
  n.notify_one();
  n.notify_one();  // still one permit
  edo::block_on([&]() -> edo::task<> {
    co_await n.notified();                                           // consumes it at once
    EXPECT_FALSE(co_await completes_before_next_run(n.notified()));  // none left
  }());
}

TEST(Notify, NotifyOneWakesTheOldestWaiter) {
  notify n;
  std::vector<int> order;
  auto waiter = [&](int i) -> edo::task<> {
    co_await n.notified();
    order.push_back(i);
  };
  auto notifier = [&]() -> edo::task<> {
    co_await edo::yield_now();
    for (int i = 0; i < 3; ++i) {
      n.notify_one();
      co_await edo::yield_now();
    }
  };
  edo::block_on(
      [&]() -> edo::task<> { co_await edo::join(waiter(0), waiter(1), waiter(2), notifier()); }());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(Notify, NotifyLastWakesTheNewestWaiter) {
  notify n;
  std::vector<int> order;
  auto waiter = [&](int i) -> edo::task<> {
    co_await n.notified();
    order.push_back(i);
  };
  auto notifier = [&]() -> edo::task<> {
    co_await edo::yield_now();
    for (int i = 0; i < 3; ++i) {
      n.notify_last();
      co_await edo::yield_now();
    }
  };
  edo::block_on(
      [&]() -> edo::task<> { co_await edo::join(waiter(0), waiter(1), waiter(2), notifier()); }());
  EXPECT_EQ(order, (std::vector<int>{2, 1, 0}));
}

TEST(Notify, NotifyWaitersWakesAllAndStoresNoPermit) {
  notify n;
  int woken = 0;
  auto waiter = [&]() -> edo::task<> {
    co_await n.notified();
    ++woken;
  };
  auto notifier = [&]() -> edo::task<> {
    co_await edo::yield_now();
    n.notify_waiters();
    co_return;
  };
  edo::block_on([&]() -> edo::task<> {
    co_await edo::join(waiter(), waiter(), waiter(), notifier());
    EXPECT_FALSE(co_await completes_before_next_run(n.notified()));  // no permit stored
  }());
  EXPECT_EQ(woken, 3);
}

TEST(Notify, NotifiedCreatedBeforeNotifyWaitersCompletes) {
  notify n;
  auto fut = n.notified();  // not enabled, not awaited
  n.notify_waiters();
  auto later = n.notified();
  edo::block_on([&]() -> edo::task<> {
    co_await fut;  // completes: created before the call
    EXPECT_FALSE(co_await completes_before_next_run(later));
  }());
}

TEST(Notify, EnableBeforeAwaitCatchesANotifyInBetween) {
  notify n;
  edo::block_on([&]() -> edo::task<> {
    auto fut = n.notified();
    EXPECT_FALSE(fut.enable());  // registered, not notified yet
    // Another party notifies one (from another thread) before we await: not lost, and
    // not stored as a permit either — it went to our registered future.
    std::thread([&] { n.notify_one(); }).join();
    co_await fut;
    EXPECT_FALSE(co_await completes_before_next_run(n.notified()));
  }());
}

TEST(Notify, EnableConsumesAStoredPermit) {
  notify n;
  n.notify_one();
  auto fut = n.notified();
  EXPECT_TRUE(fut.enable());
  edo::block_on([&]() -> edo::task<> { co_await fut; }());
}

TEST(Notify, CancelledWaiterLosesItsPlace) {
  notify n;
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(n.notified()));
    n.notify_one();  // nobody waits now: stored
    EXPECT_TRUE(co_await completes_before_next_run(n.notified()));
  }());
}

TEST(Notify, NotificationDeliveredToACancelledWaiterIsPassedOn) {
  notify n;
  event_source other;
  bool second_woken = false;
  auto t = [&]() -> edo::task<std::size_t> {
    auto second = [&]() -> edo::task<> {
      co_await edo::yield_now();  // queued after the select's branch
      co_await n.notified();
      second_woken = true;
    };
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      co_await edo::yield_now();
      n.notify_one();  // goes to the select's branch 1 (the oldest waiter) ...
      other.fire(0);   // ... which loses to branch 0 in the same run
    };
    auto [r, a, b] =
        co_await edo::join(edo::select(other.wait(), n.notified()), second(), fire_both());
    (void)a;
    (void)b;
    co_return r.index();
  };
  EXPECT_EQ(edo::block_on(t()), 0u);
  EXPECT_TRUE(second_woken);  // the notification went on to the next waiter
}

TEST(Notify, DroppedEnabledNotifiedPassesItsNotificationOn) {
  notify n;
  {
    auto fut = n.notified();
    fut.enable();
    n.notify_one();  // goes to fut
  }                  // dropped unconsumed: passed on, stored as the permit
  edo::block_on(
      [&]() -> edo::task<> { EXPECT_TRUE(co_await completes_before_next_run(n.notified())); }());
}

TEST(Notify, PlainThreadNotifiesABlockOnWaiter) {
  notify n;
  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::thread th([&] {
    while (!stop.load()) {
      n.notify_one();
      std::this_thread::yield();
    }
  });
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < 2000; ++i) {
      co_await n.notified();
      ++rounds;
    }
  }());
  stop = true;
  th.join();
  EXPECT_EQ(rounds.load(), 2000);
}

TEST(Notify, StressPingPong) {
  // Two threads alternate strictly through two notifies: every notification is consumed
  // exactly once, nothing is lost (a loss would hang the test).
  notify to_b, to_a;
  constexpr int rounds = 5000;
  std::thread b([&] {
    edo::block_on([&]() -> edo::task<> {
      for (int i = 0; i < rounds; ++i) {
        co_await to_b.notified();
        to_a.notify_one();
      }
    }());
  });
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < rounds; ++i) {
      to_b.notify_one();
      co_await to_a.notified();
    }
  }());
  b.join();
}

TEST(Notify, StressNotifyWaitersVersusCancellation) {
  notify n;
  std::atomic<bool> stop{false};
  std::thread th([&] {
    while (!stop.load()) {
      n.notify_waiters();
      n.notify_one();
      std::this_thread::yield();  // 2 CPUs: let the waiters run
    }
  });
  edo_test::run_threads(2, [&](int) {
    edo::block_on([&]() -> edo::task<> {
      for (int i = 0; i < 600; ++i) {
        if (i % 3 == 0) {
          co_await completes_before_next_run(n.notified());
        } else {
          co_await n.notified();
        }
      }
    }());
  });
  stop = true;
  th.join();
}

class NotifyRt : public edo_test::flavor_test {};

TEST_P(NotifyRt, WorkerWakesOnNotify) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto n = std::make_shared<notify>();
    auto done = std::make_shared<std::atomic<int>>(0);
    std::vector<edo::join_handle<void>> hs;
    for (int i = 0; i < 4; ++i) {
      hs.push_back(edo::spawn(
          [](std::shared_ptr<notify> nt, std::shared_ptr<std::atomic<int>> d) -> edo::task<> {
            co_await nt->notified();
            ++*d;
          },
          n, done));
    }
    while (done->load() < 4) {
      n->notify_one();
      co_await edo::yield_now();
    }
    for (auto& h : hs) co_await h;
  }());
}

INSTANTIATE_TEST_SUITE_P(All, NotifyRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
