// edo::sync::broadcast: every receiver gets every message, subscribe starts at the tail,
// lagging receivers learn how many they missed, closing when senders are gone, send
// without receivers fails, messages destroyed once all have seen them, cancellation (no
// message is lost), plain threads, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/broadcast.hpp>
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

namespace broadcast = edo::sync::broadcast;
using edo_test::completes_before_next_run;
using edo_test::counted;
using edo_test::event_source;

TEST(Broadcast, EveryReceiverGetsEveryMessage) {
  auto [tx, rx1] = broadcast::channel<int>(8);
  auto rx2 = tx.subscribe();
  EXPECT_EQ(tx.receiver_count(), 2u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(tx.send(i));
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < 3; ++i) {
      auto a = co_await rx1.recv();
      auto b = co_await rx2.recv();
      EXPECT_TRUE(a && b);
      EXPECT_EQ(*a, i);
      EXPECT_EQ(*b, i);
    }
    EXPECT_TRUE(rx1.try_recv().is_empty());
  }());
}

TEST(Broadcast, SubscribeStartsAtTheTail) {
  auto [tx, rx] = broadcast::channel<int>(4);
  EXPECT_TRUE(tx.send(1));
  auto late = tx.subscribe();
  auto later = rx.resubscribe();
  EXPECT_TRUE(tx.send(2));
  EXPECT_EQ(*rx.try_recv(), 1);
  EXPECT_EQ(*late.try_recv(), 2);
  EXPECT_EQ(*later.try_recv(), 2);
  EXPECT_TRUE(late.try_recv().is_empty());
}

TEST(Broadcast, LaggedReceiverLearnsHowManyItMissed) {
  auto [tx, rx] = broadcast::channel<int>(2);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.send(i));  // 0, 1, 2 overwritten
  EXPECT_EQ(rx.len(), 2u);
  edo::block_on([&]() -> edo::task<> {
    auto r = co_await rx.recv();
    EXPECT_TRUE(r.is_lagged());
    EXPECT_EQ(r.lagged(), 3u);
    EXPECT_EQ(*co_await rx.recv(), 3);  // the oldest still held
    EXPECT_EQ(*co_await rx.recv(), 4);
  }());
}

TEST(Broadcast, ClosedAfterSendersAreGoneAndDrained) {
  auto [tx, rx] = broadcast::channel<int>(4);
  EXPECT_TRUE(tx.send(1));
  {
    auto tx2 = tx;
    EXPECT_TRUE(tx2.same_channel(tx));
    auto gone = std::move(tx);
  }
  EXPECT_TRUE(rx.is_closed());
  edo::block_on([&]() -> edo::task<> {
    EXPECT_EQ(*co_await rx.recv(), 1);
    EXPECT_TRUE((co_await rx.recv()).is_closed());
  }());
}

TEST(Broadcast, WaitingReceiversAreWokenByASendOrTheClose) {
  auto [tx, rx1] = broadcast::channel<int>(4);
  auto rx2 = tx.subscribe();
  auto holder = std::make_unique<broadcast::sender<int>>(std::move(tx));
  auto produce = [&]() -> edo::task<> {
    co_await edo::yield_now();
    EXPECT_TRUE(holder->send(5));
    co_await edo::yield_now();
    holder.reset();
  };
  auto consume = [](broadcast::receiver<int>& rx) -> edo::task<int> {
    int sum = 0;
    for (;;) {
      auto r = co_await rx.recv();
      if (r.is_closed()) break;
      sum += *r;
    }
    co_return sum;
  };
  edo::block_on([&]() -> edo::task<> {
    auto [a, b, c] = co_await edo::join(consume(rx1), consume(rx2), produce());
    (void)c;
    EXPECT_EQ(a, 5);
    EXPECT_EQ(b, 5);
  }());
}

TEST(Broadcast, SendWithoutReceiversFails) {
  auto [tx, rx] = broadcast::channel<std::string>(2);
  { auto gone = std::move(rx); }
  auto r = tx.send("nobody");
  EXPECT_TRUE(r.is_closed());
  EXPECT_EQ(r.value(), "nobody");
  auto again = tx.subscribe();
  EXPECT_TRUE(tx.send("someone"));
  EXPECT_EQ(*again.try_recv(), "someone");
}

TEST(Broadcast, MessagesAreDestroyedOnceEveryoneSawThem) {
  counted::alive = 0;
  {
    auto [tx, rx1] = broadcast::channel<counted>(4);
    auto rx2 = tx.subscribe();
    EXPECT_TRUE(tx.send(counted(1)));
    EXPECT_EQ(counted::alive.load(), 1);
    { auto r = rx1.try_recv(); }
    EXPECT_EQ(counted::alive.load(), 1);  // rx2 has not seen it
    { auto r = rx2.try_recv(); }
    EXPECT_EQ(counted::alive.load(), 0);
    EXPECT_TRUE(tx.send(counted(2)));
    { auto gone = std::move(rx2); }  // a receiver leaving counts as having seen it
    EXPECT_EQ(counted::alive.load(), 1);
    { auto r = rx1.try_recv(); }
    EXPECT_EQ(counted::alive.load(), 0);
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

TEST(Broadcast, CancelledRecvLosesNothing) {
  auto [tx, rx] = broadcast::channel<int>(4);
  event_source other;
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(rx.recv()));
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_TRUE(tx.send(1));  // wakes branch 1 ...
      other.fire(0);            // ... which loses
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), rx.recv()), fire_both());
    (void)ignored;
    EXPECT_EQ(r.index(), 0u);
    EXPECT_EQ(*co_await rx.recv(), 1);  // not consumed by the cancelled receive
  }());
}

TEST(Broadcast, PlainThreadProducerBlockOnConsumers) {
  auto [tx, rx] = broadcast::channel<int>(1024);
  std::vector<broadcast::receiver<int>> rxs;
  for (int i = 0; i < 3; ++i) rxs.push_back(tx.subscribe());
  { auto gone = std::move(rx); }
  constexpr int n = 1000;  // fits: nobody lags
  std::vector<std::thread> consumers;
  std::vector<long> sums(3, 0);
  for (int i = 0; i < 3; ++i) {
    consumers.emplace_back([&, i] {
      edo::block_on([&]() -> edo::task<> {
        for (;;) {
          auto r = co_await rxs[i].recv();
          if (r.is_closed()) break;
          EXPECT_FALSE(r.is_lagged());
          if (r) sums[i] += *r;
        }
      }());
    });
  }
  std::thread producer([tx = std::move(tx)]() mutable {
    for (int i = 0; i < n; ++i) EXPECT_TRUE(tx.send(i));
  });
  producer.join();
  for (auto& c : consumers) c.join();
  for (long s : sums) EXPECT_EQ(s, static_cast<long>(n) * (n - 1) / 2);
}

TEST(Broadcast, StressLaggingAccountsForEveryMessage) {
  // A small ring: receivers lag; for each receiver, received + missed == sent.
  auto [tx, rx0] = broadcast::channel<int>(4);
  std::vector<broadcast::receiver<int>> rxs;
  rxs.push_back(std::move(rx0));
  rxs.push_back(tx.subscribe());
  constexpr int n = 5000;
  std::vector<std::thread> consumers;
  std::vector<std::uint64_t> seen(2, 0);
  for (int i = 0; i < 2; ++i) {
    consumers.emplace_back([&, i] {
      edo::block_on([&]() -> edo::task<> {
        int last = -1;
        for (;;) {
          auto r = co_await rxs[i].recv();
          if (r.is_closed()) break;
          if (r.is_lagged()) {
            seen[i] += r.lagged();
            continue;
          }
          EXPECT_GT(*r, last);
          last = *r;
          ++seen[i];
        }
      }());
    });
  }
  std::thread producer([tx = std::move(tx)]() mutable {
    for (int i = 0; i < n; ++i) EXPECT_TRUE(tx.send(i));
  });
  producer.join();
  for (auto& c : consumers) c.join();
  EXPECT_EQ(seen[0], static_cast<std::uint64_t>(n));
  EXPECT_EQ(seen[1], static_cast<std::uint64_t>(n));
}

class BroadcastRt : public edo_test::flavor_test {};

TEST_P(BroadcastRt, FanOutToTasks) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [tx, rx] = broadcast::channel<int>(16);
    std::vector<edo::join_handle<int>> hs;
    for (int i = 0; i < 4; ++i) {
      hs.push_back(edo::spawn(
          [](broadcast::receiver<int>& r) -> edo::task<int> {
            int sum = 0;
            for (;;) {
              auto m = co_await r.recv();
              if (m.is_closed()) co_return sum;
              if (m) sum += *m;
            }
          },
          tx.subscribe()));
    }
    { auto gone = std::move(rx); }
    for (int i = 1; i <= 10; ++i) {
      EXPECT_TRUE(tx.send(i));
      co_await edo::yield_now();
    }
    { auto gone = std::move(tx); }
    for (auto& h : hs) EXPECT_EQ(co_await h, 55);
  }());
}

INSTANTIATE_TEST_SUITE_P(All, BroadcastRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
