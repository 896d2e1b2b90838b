// edo::sync::oneshot: send/receive, a dropped sender (empty result), a dropped or closed
// receiver (send fails with the value back), sender::closed(), cancellation (the value
// stays in the channel), try_recv, plain threads, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/oneshot.hpp>
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

namespace oneshot = edo::sync::oneshot;
using edo_test::completes_before_next_run;
using edo_test::counted;
using edo_test::event_source;

TEST(Oneshot, SendThenReceive) {
  auto [tx, rx] = oneshot::channel<std::string>();
  EXPECT_TRUE(tx.send("hello"));
  EXPECT_FALSE(tx);  // used up
  EXPECT_EQ(
      edo::block_on([](oneshot::receiver<std::string>& r) -> edo::task<std::optional<std::string>> {
        co_return co_await r;
      }(rx)),
      "hello");
  EXPECT_TRUE(rx.is_terminated());
}

TEST(Oneshot, ReceiverWaitsForTheSend) {
  auto [tx, rx] = oneshot::channel<int>();
  auto sender = [&]() -> edo::task<> {
    co_await edo::yield_now();
    EXPECT_TRUE(tx.send(42));
  };
  edo::block_on([&]() -> edo::task<> {
    auto [v, ignored] = co_await edo::join(rx, sender());
    (void)ignored;
    EXPECT_EQ(v, 42);
  }());
}

TEST(Oneshot, DroppedSenderGivesEmpty) {
  auto [tx, rx] = oneshot::channel<int>();
  auto holder = std::make_unique<oneshot::sender<int>>(std::move(tx));
  auto dropper = [&]() -> edo::task<> {
    co_await edo::yield_now();
    holder.reset();
  };
  edo::block_on([&]() -> edo::task<> {
    auto [v, ignored] = co_await edo::join(rx, dropper());
    (void)ignored;
    EXPECT_EQ(v, std::nullopt);
  }());
  EXPECT_TRUE(rx.is_terminated());
}

TEST(Oneshot, SendFailsWhenTheReceiverIsGone) {
  auto [tx, rx] = oneshot::channel<std::string>();
  { auto gone = std::move(rx); }
  EXPECT_TRUE(tx.is_closed());
  auto r = tx.send("back");
  EXPECT_TRUE(r.is_closed());
  EXPECT_EQ(std::move(r).into_inner(), "back");
}

TEST(Oneshot, CloseRejectsLaterSendsKeepsEarlierValue) {
  {
    auto [tx, rx] = oneshot::channel<int>();
    rx.close();
    EXPECT_TRUE(tx.send(1).is_closed());
    EXPECT_EQ(rx.try_recv(), std::nullopt);
  }
  {
    auto [tx, rx] = oneshot::channel<int>();
    EXPECT_TRUE(tx.send(2));
    rx.close();
    EXPECT_EQ(rx.try_recv(), 2);  // sent before the close: still there
  }
}

TEST(Oneshot, SenderClosedCompletesWhenTheReceiverGoes) {
  auto [tx, rx] = oneshot::channel<int>();
  auto holder = std::make_unique<oneshot::receiver<int>>(std::move(rx));
  auto dropper = [&]() -> edo::task<> {
    co_await edo::yield_now();
    holder.reset();
  };
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(tx.closed()));  // cancel safe
    co_await edo::join(tx.closed(), dropper());
    co_await tx.closed();
  }());
}

TEST(Oneshot, TryRecv) {
  auto [tx, rx] = oneshot::channel<int>();
  EXPECT_EQ(rx.try_recv(), std::nullopt);
  EXPECT_FALSE(rx.is_terminated());
  EXPECT_TRUE(tx.send(5));
  EXPECT_EQ(rx.try_recv(), 5);
  EXPECT_EQ(rx.try_recv(), std::nullopt);
  EXPECT_TRUE(rx.is_terminated());
}

TEST(Oneshot, CancelledReceiveLeavesTheValue) {
  auto [tx, rx] = oneshot::channel<int>();
  event_source other;
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(rx));  // waiting: cancelled
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_TRUE(tx.send(7));  // wakes branch 1 ...
      other.fire(0);            // ... which loses to branch 0
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), rx), fire_both());
    (void)ignored;
    EXPECT_EQ(r.index(), 0u);
    EXPECT_EQ(co_await rx, 7);  // still there
  }());
}

TEST(Oneshot, UnreceivedValueIsDestroyed) {
  counted::alive = 0;
  {
    auto [tx, rx] = oneshot::channel<counted>();
    EXPECT_TRUE(tx.send(counted(1)));
    EXPECT_EQ(counted::alive.load(), 1);
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

TEST(Oneshot, PlainThreads) {
  for (int i = 0; i < 300; ++i) {
    auto [tx, rx] = oneshot::channel<int>();
    std::thread th([i, t = std::move(tx)]() mutable { EXPECT_TRUE(t.send(i)); });
    const auto v = edo::block_on([](oneshot::receiver<int>& r) -> edo::task<std::optional<int>> {
      co_return co_await r;
    }(rx));
    th.join();
    EXPECT_EQ(v, i);
  }
}

TEST(Oneshot, StressSendVersusDrop) {
  // Senders on a thread either send or drop; receivers always end (value or empty).
  constexpr int n = 2000;
  std::vector<oneshot::sender<int>> txs;
  std::vector<oneshot::receiver<int>> rxs;
  for (int i = 0; i < n; ++i) {
    auto [tx, rx] = oneshot::channel<int>();
    txs.push_back(std::move(tx));
    rxs.push_back(std::move(rx));
  }
  std::thread th([&] {
    for (int i = 0; i < n; ++i) {
      if (i % 3 == 0) {
        auto gone = std::move(txs[i]);
      } else {
        EXPECT_TRUE(txs[i].send(i));
      }
    }
  });
  int values = 0;
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < n; ++i) {
      auto v = co_await rxs[i];
      if (v) {
        EXPECT_EQ(*v, i);
        ++values;
      }
    }
  }());
  th.join();
  EXPECT_EQ(values, n - (n + 2) / 3);
}

class OneshotRt : public edo_test::flavor_test {};

TEST_P(OneshotRt, ReplyFromASpawnedTask) {
  auto rt = make_runtime();
  const int v = rt.block_on([]() -> edo::task<int> {
    auto [tx, rx] = oneshot::channel<int>();
    edo::spawn(
        [](oneshot::sender<int>& reply) -> edo::task<> {
          co_await edo::yield_now();
          (void)reply.send(99);
        },
        std::move(tx))
        .detach();
    co_return (co_await rx).value_or(-1);
  }());
  EXPECT_EQ(v, 99);
}

TEST_P(OneshotRt, AbandonedWorkNoticesTheReceiverGone) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [tx, rx] = oneshot::channel<int>();
    auto worker = edo::spawn(
        [](oneshot::sender<int>& reply) -> edo::task<bool> {
          co_await reply.closed();  // the requester gave up
          co_return reply.is_closed();
        },
        std::move(tx));
    { auto gone = std::move(rx); }
    EXPECT_TRUE(co_await worker);
  }());
}

INSTANTIATE_TEST_SUITE_P(All, OneshotRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
