// edo::sync::watch: borrow / borrow_and_update, changed() (at once when unseen, false once
// the sender is gone), send (fails without receivers), send_modify, send_if_modified,
// send_replace, subscribe, sender::closed(), cancellation, plain threads, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/watch.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"
#include "support/test_event.hpp"

namespace {

namespace watch = edo::sync::watch;
using edo_test::completes_before_next_run;
using edo_test::event_source;

TEST(Watch, BorrowAndChanged) {
  auto [tx, rx] = watch::channel<std::string>("v0");
  EXPECT_EQ(*rx.borrow(), "v0");
  EXPECT_FALSE(rx.has_changed());
  EXPECT_TRUE(tx.send("v1"));
  EXPECT_TRUE(rx.has_changed());
  {
    auto r = rx.borrow();  // does not mark it seen
    EXPECT_EQ(*r, "v1");
    EXPECT_TRUE(r.has_changed());
  }
  EXPECT_TRUE(rx.has_changed());
  edo::block_on([&]() -> edo::task<> {
    EXPECT_TRUE(co_await rx.changed());  // at once: v1 is unseen; now seen
    EXPECT_FALSE(rx.has_changed());
    EXPECT_FALSE(co_await completes_before_next_run(rx.changed()));  // nothing new
  }());
}

TEST(Watch, BorrowAndUpdateMarksSeen) {
  auto [tx, rx] = watch::channel<int>(0);
  EXPECT_TRUE(tx.send(1));
  {
    auto r = rx.borrow_and_update();
    EXPECT_EQ(*r, 1);
    EXPECT_TRUE(r.has_changed());
  }
  EXPECT_FALSE(rx.has_changed());
  rx.mark_changed();
  EXPECT_TRUE(rx.has_changed());
  rx.mark_unchanged();
  EXPECT_FALSE(rx.has_changed());
}

TEST(Watch, ChangedWaitsAndSkipsIntermediateValues) {
  auto [tx, rx] = watch::channel<int>(0);
  auto publisher = [&]() -> edo::task<> {
    co_await edo::yield_now();
    for (int i = 1; i <= 3; ++i) EXPECT_TRUE(tx.send(i));  // one wake, latest wins
    co_return;
  };
  edo::block_on([&]() -> edo::task<> {
    auto [changed, ignored] = co_await edo::join(rx.changed(), publisher());
    (void)ignored;
    EXPECT_TRUE(changed);
    EXPECT_EQ(*rx.borrow(), 3);
    EXPECT_FALSE(rx.has_changed());
  }());
}

TEST(Watch, SenderGoneEndsChanged) {
  auto [tx, rx] = watch::channel<int>(0);
  auto holder = std::make_unique<watch::sender<int>>(std::move(tx));
  EXPECT_TRUE(holder->send(1));
  holder.reset();
  EXPECT_TRUE(rx.is_closed());
  edo::block_on([&]() -> edo::task<> {
    EXPECT_TRUE(co_await rx.changed());   // the last value was unseen
    EXPECT_FALSE(co_await rx.changed());  // then: closed
  }());
  EXPECT_EQ(*rx.borrow(), 1);
}

TEST(Watch, WaitingReceiverSeesTheClose) {
  auto [tx, rx] = watch::channel<int>(0);
  auto holder = std::make_unique<watch::sender<int>>(std::move(tx));
  auto dropper = [&]() -> edo::task<> {
    co_await edo::yield_now();
    holder.reset();
  };
  edo::block_on([&]() -> edo::task<> {
    auto [changed, ignored] = co_await edo::join(rx.changed(), dropper());
    (void)ignored;
    EXPECT_FALSE(changed);
  }());
}

TEST(Watch, SendWithoutReceiversFailsButModifyAndReplacePublish) {
  auto [tx, rx] = watch::channel<int>(0);
  { auto gone = std::move(rx); }
  EXPECT_TRUE(tx.is_closed());
  auto r = tx.send(1);
  EXPECT_TRUE(r.is_closed());
  EXPECT_EQ(r.value(), 1);
  EXPECT_EQ(*tx.borrow(), 0);  // not published
  tx.send_modify([](int& v) { v = 5; });
  EXPECT_EQ(*tx.borrow(), 5);
  EXPECT_EQ(tx.send_replace(6), 5);
  auto rx2 = tx.subscribe();  // has seen the current value
  EXPECT_EQ(*rx2.borrow(), 6);
  EXPECT_FALSE(rx2.has_changed());
  EXPECT_EQ(tx.receiver_count(), 1u);
}

TEST(Watch, SendIfModified) {
  auto [tx, rx] = watch::channel<int>(1);
  EXPECT_FALSE(tx.send_if_modified([](int& v) { return v == 0; }));
  EXPECT_FALSE(rx.has_changed());
  EXPECT_TRUE(tx.send_if_modified([](int& v) {
    v = 2;
    return true;
  }));
  EXPECT_TRUE(rx.has_changed());
}

TEST(Watch, ClonedReceiverKeepsWhatItSaw) {
  auto [tx, rx] = watch::channel<int>(0);
  EXPECT_TRUE(tx.send(1));
  auto copy = rx;
  EXPECT_TRUE(copy.has_changed());
  (void)rx.borrow_and_update();
  EXPECT_FALSE(rx.has_changed());
  EXPECT_TRUE(copy.has_changed());
  EXPECT_TRUE(copy.same_channel(rx));
}

TEST(Watch, SenderClosedCompletesWhenReceiversAreGone) {
  auto [tx, rx] = watch::channel<int>(0);
  auto holder = std::make_unique<watch::receiver<int>>(std::move(rx));
  auto copy = std::make_unique<watch::receiver<int>>(*holder);
  auto dropper = [&]() -> edo::task<> {
    co_await edo::yield_now();
    holder.reset();
    co_await edo::yield_now();
    copy.reset();
  };
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(tx.closed()));
    co_await edo::join(tx.closed(), dropper());
    co_await tx.closed();
  }());
}

TEST(Watch, CancelledChangedMarksNothingSeen) {
  auto [tx, rx] = watch::channel<int>(0);
  event_source other;
  edo::block_on([&]() -> edo::task<> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_TRUE(tx.send(1));  // wakes branch 1 ...
      other.fire(0);            // ... which loses
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), rx.changed()), fire_both());
    (void)ignored;
    EXPECT_EQ(r.index(), 0u);
    EXPECT_TRUE(rx.has_changed());  // still unseen
  }());
}

TEST(Watch, PlainThreadPublisherBlockOnWatchers) {
  auto [tx, rx] = watch::channel<int>(0);
  constexpr int n = 3000;
  std::vector<std::thread> watchers;
  std::vector<int> last(3, -1);
  for (int i = 0; i < 3; ++i) {
    watchers.emplace_back([&, i, r = rx]() mutable {
      edo::block_on([&]() -> edo::task<> {
        int prev = 0;
        while (co_await r.changed()) {
          const int v = *r.borrow();
          EXPECT_GE(v, prev);  // versions only move forward
          prev = v;
        }
        last[i] = *r.borrow();
      }());
    });
  }
  { auto gone = std::move(rx); }
  std::thread publisher([tx = std::move(tx)]() mutable {
    for (int v = 1; v <= n; ++v) tx.send_modify([v](int& x) { x = v; });
  });
  publisher.join();
  for (auto& w : watchers) w.join();
  for (int v : last) EXPECT_EQ(v, n);  // the final value is always seen
}

class WatchRt : public edo_test::flavor_test {};

TEST_P(WatchRt, WorkersFollowTheLatestValue) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [tx, rx] = watch::channel<int>(0);
    std::vector<edo::join_handle<int>> hs;
    for (int i = 0; i < 3; ++i) {
      hs.push_back(edo::spawn(
          [](watch::receiver<int>& r) -> edo::task<int> {
            int seen = 0;
            while (co_await r.changed()) seen = *r.borrow();
            co_return seen;
          },
          rx));
    }
    for (int v = 1; v <= 20; ++v) {
      EXPECT_TRUE(tx.send(v));
      if (v % 5 == 0) co_await edo::yield_now();
    }
    { auto gone = std::move(tx); }
    for (auto& h : hs) EXPECT_EQ(co_await h, 20);
  }());
}

INSTANTIATE_TEST_SUITE_P(All, WatchRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
