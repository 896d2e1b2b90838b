// edo::sync::mpsc: order, bounded waits and FIFO senders, try_send, closing from either
// side, reserve/permits, recv_many, unbounded channels, sender::closed(), cancellation at
// every await (the message stays in the channel / in the send), no allocation in the
// steady state, plain threads under edo::block_on, multi-producer stress, runtimes.
#include <edo/block_on.hpp>
#include <edo/blocking.hpp>
#include <edo/detail/config.hpp>
#include <edo/join.hpp>
#include <edo/runtime.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/mpsc.hpp>
#include <edo/sync/notify.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"
#include "support/test_event.hpp"

// Counts heap allocations (for the steady-state tests). ThreadSanitizer's runtime owns
// operator new: those tests are skipped there (the other builds run them).
static std::atomic<long> g_allocs{0};
#if !defined(EDO_TSAN)
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
constexpr bool counting_allocs = true;
#else
constexpr bool counting_allocs = false;
#endif

namespace {

namespace mpsc = edo::sync::mpsc;
using edo_test::completes_before_next_run;
using edo_test::counted;
using edo_test::event_source;

TEST(Mpsc, SendRecvInOrder) {
  auto [tx, rx] = mpsc::channel<int>(4);
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(co_await tx.send(i));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(co_await rx.recv(), i);
  }());
}

TEST(Mpsc, CapacityZeroIsRejected) {
  EXPECT_THROW(mpsc::channel<int>(0), std::invalid_argument);
}

TEST(Mpsc, CapacityAboveTheLimitIsRejected) {
  EXPECT_THROW((mpsc::channel<int>(std::size_t{1} << 30)), std::length_error);
}

TEST(Mpsc, BoundedSendWaitsForRoom) {
  auto [tx, rx] = mpsc::channel<int>(2);
  std::vector<std::string> log;
  auto producer = [&]() -> edo::task<> {
    for (int i = 0; i < 4; ++i) {
      (void)co_await tx.send(i);
      log.push_back("sent " + std::to_string(i));
    }
  };
  auto consumer = [&]() -> edo::task<> {
    co_await edo::yield_now();
    EXPECT_EQ(log.size(), 2u);  // the third send waits for room
    EXPECT_EQ(tx.capacity(), 0u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(co_await rx.recv(), i);
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(producer(), consumer()); }());
  EXPECT_EQ(log.size(), 4u);
  EXPECT_EQ(tx.capacity(), 2u);
  EXPECT_EQ(tx.max_capacity(), 2u);
}

TEST(Mpsc, WaitingSendersAreServedInOrder) {
  auto [tx, rx] = mpsc::channel<int>(1);
  auto send = [&](int v) -> edo::task<> { (void)co_await tx.send(v); };
  auto consumer = [&]() -> edo::task<> {
    co_await edo::yield_now();               // 0 is buffered, 1..4 wait in order
    EXPECT_TRUE(tx.try_send(99).is_full());  // try_send never overtakes a waiting send
    for (int i = 0; i < 5; ++i) EXPECT_EQ(co_await rx.recv(), i);
  };
  edo::block_on([&]() -> edo::task<> {
    co_await edo::join(send(0), send(1), send(2), send(3), send(4), consumer());
  }());
}

TEST(Mpsc, TrySend) {
  auto [tx, rx] = mpsc::channel<std::string>(1);
  EXPECT_TRUE(tx.try_send("a"));
  auto full = tx.try_send("b");
  EXPECT_TRUE(full.is_full());
  EXPECT_EQ(full.value(), "b");
  EXPECT_EQ(rx.try_recv(), "a");
  EXPECT_FALSE(rx.try_recv());
  rx.close();
  auto closed = tx.try_send("c");
  EXPECT_TRUE(closed.is_closed());
  EXPECT_EQ(std::move(closed).into_inner(), "c");
}

TEST(Mpsc, RecvDrainsThenEndsWhenAllSendersAreGone) {
  auto [tx, rx] = mpsc::channel<int>(8);
  {
    auto tx2 = tx;  // clones
    EXPECT_TRUE(tx2.same_channel(tx));
    EXPECT_TRUE(tx2.try_send(1));
    EXPECT_TRUE(tx.try_send(2));
    auto moved = std::move(tx);
    EXPECT_FALSE(rx.is_closed());
  }
  EXPECT_TRUE(rx.is_closed());
  edo::block_on([&]() -> edo::task<> {
    EXPECT_EQ(co_await rx.recv(), 1);
    EXPECT_EQ(co_await rx.recv(), 2);
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
  }());
}

TEST(Mpsc, WaitingRecvEndsWhenTheLastSenderGoes) {
  auto [tx, rx] = mpsc::channel<int>(1);
  auto holder = std::make_unique<mpsc::sender<int>>(std::move(tx));
  auto dropper = [&]() -> edo::task<> {
    co_await edo::yield_now();
    holder.reset();
  };
  edo::block_on([&]() -> edo::task<> {
    auto [r, ignored] = co_await edo::join(rx.recv(), dropper());
    (void)ignored;
    EXPECT_EQ(r, std::nullopt);
  }());
}

TEST(Mpsc, DroppedReceiverFailsSendsAndGivesTheValueBack) {
  auto [tx, rx] = mpsc::channel<std::string>(1);
  EXPECT_TRUE(tx.try_send("buffered"));
  auto rx_holder = std::make_unique<mpsc::receiver<std::string>>(std::move(rx));
  auto dropper = [&]() -> edo::task<> {
    co_await edo::yield_now();
    rx_holder.reset();  // the waiting send fails
  };
  edo::block_on([&]() -> edo::task<> {
    auto [r, ignored] = co_await edo::join(tx.send("waiting"), dropper());
    (void)ignored;
    EXPECT_TRUE(r.is_closed());
    EXPECT_EQ(r.value(), "waiting");
    auto again = co_await tx.send("late");
    EXPECT_TRUE(again.is_closed());
    EXPECT_EQ(again.value(), "late");
  }());
  EXPECT_TRUE(tx.is_closed());
}

TEST(Mpsc, ReceiverDropDestroysBufferedMessages) {
  counted::alive = 0;
  {
    auto [tx, rx] = mpsc::channel<counted>(4);
    EXPECT_TRUE(tx.try_send(counted(1)));
    EXPECT_TRUE(tx.try_send(counted(2)));
    EXPECT_EQ(counted::alive.load(), 2);
    { auto gone = std::move(rx); }
    EXPECT_EQ(counted::alive.load(), 0);
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

TEST(Mpsc, CloseLetsTheReceiverDrain) {
  auto [tx, rx] = mpsc::channel<int>(4);
  EXPECT_TRUE(tx.try_send(1));
  auto p = tx.try_reserve();
  ASSERT_TRUE(p);
  rx.close();
  EXPECT_TRUE(rx.is_closed());
  EXPECT_TRUE(tx.try_send(2).is_closed());
  std::move(*p).send(3);  // an outstanding permit still sends
  edo::block_on([&]() -> edo::task<> {
    EXPECT_EQ(co_await rx.recv(), 1);
    EXPECT_EQ(co_await rx.recv(), 3);
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
  }());
}

TEST(Mpsc, CloseWaitsForOutstandingPermits) {
  auto [tx, rx] = mpsc::channel<int>(2);
  auto permit = tx.try_reserve();
  rx.close();
  auto sender = [&]() -> edo::task<> {
    co_await edo::yield_now();
    std::move(*permit).send(7);
    co_return;
  };
  edo::block_on([&]() -> edo::task<> {
    auto [first, ignored] = co_await edo::join(rx.recv(), sender());
    (void)ignored;
    EXPECT_EQ(first, 7);
    EXPECT_EQ(co_await rx.recv(), std::nullopt);
  }());
}

TEST(Mpsc, ReserveAndPermits) {
  auto [tx, rx] = mpsc::channel<int>(2);
  edo::block_on([&]() -> edo::task<> {
    auto p1 = co_await tx.reserve();
    auto p2 = co_await tx.reserve();
    EXPECT_TRUE(p1 && p2);
    if (!p1 || !p2) co_return;
    EXPECT_EQ(tx.capacity(), 0u);
    EXPECT_TRUE(tx.try_send(0).is_full());
    EXPECT_FALSE(tx.try_reserve());
    std::move(*p2).send(2);
    p1.reset();  // dropped unused: the slot is free again
    EXPECT_EQ(tx.capacity(), 1u);
    EXPECT_TRUE(tx.try_send(3));
    EXPECT_EQ(co_await rx.recv(), 2);
    EXPECT_EQ(co_await rx.recv(), 3);
  }());
}

TEST(Mpsc, ReserveWaitsInTheSameQueueAsSend) {
  auto [tx, rx] = mpsc::channel<int>(1);
  std::vector<std::string> log;
  auto sender = [&](int v) -> edo::task<> {
    (void)co_await tx.send(v);
    log.push_back("send " + std::to_string(v));
  };
  auto reserver = [&]() -> edo::task<> {
    auto p = co_await tx.reserve();
    log.push_back("reserve");
    std::move(*p).send(100);
  };
  auto consumer = [&]() -> edo::task<> {
    co_await edo::yield_now();
    std::vector<int> got;
    for (int i = 0; i < 4; ++i) got.push_back(*co_await rx.recv());
    EXPECT_EQ(got, (std::vector<int>{0, 1, 100, 2}));
  };
  edo::block_on([&]() -> edo::task<> {
    co_await edo::join(sender(0), sender(1), reserver(), sender(2), consumer());
  }());
}

TEST(Mpsc, RecvMany) {
  auto [tx, rx] = mpsc::channel<int>(8);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(tx.try_send(i));
  edo::block_on([&]() -> edo::task<> {
    std::vector<int> buf{-1};
    EXPECT_EQ(co_await rx.recv_many(buf, 3), 3u);
    EXPECT_EQ(buf, (std::vector<int>{-1, 0, 1, 2}));
    EXPECT_EQ(co_await rx.recv_many(buf, 0), 0u);
    EXPECT_EQ(co_await rx.recv_many(buf, 10), 2u);
    EXPECT_EQ(buf.size(), 6u);
    // Waits for at least one, then takes what is there.
    auto producer = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_TRUE(tx.try_send(10));  // handed to the waiting recv_many
      EXPECT_TRUE(tx.try_send(11));
      co_return;
    };
    std::vector<int> more;
    auto [n, ignored] = co_await edo::join(rx.recv_many(more, 5), producer());
    (void)ignored;
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(more, (std::vector<int>{10, 11}));
    { auto gone = std::move(tx); }
    EXPECT_EQ(co_await rx.recv_many(more, 5), 0u);  // closed and drained
  }());
}

TEST(Mpsc, RecvManyServesWaitingSenders) {
  auto [tx, rx] = mpsc::channel<int>(2);
  auto producer = [&]() -> edo::task<> {
    for (int i = 0; i < 6; ++i) (void)co_await tx.send(i);
  };
  auto consumer = [&]() -> edo::task<> {
    std::vector<int> all;
    while (all.size() < 6) {
      const std::size_t n = co_await rx.recv_many(all, 4);
      EXPECT_GE(n, 1u);
    }
    EXPECT_EQ(all, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(producer(), consumer()); }());
}

// One release of several units (recv_many) serves the queue's head in order — sends and
// reserves mixed — and gives the units nobody waits for back to the fast path.
TEST(Mpsc, RecvManyReleaseServesMixedWaitersAndFreesTheRest) {
  auto [tx, rx] = mpsc::channel<int>(4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(tx.try_send(i));
  std::optional<mpsc::permit<int>> held;
  auto sender = [&](int v) -> edo::task<> { EXPECT_TRUE(co_await tx.send(v)); };
  auto reserver = [&]() -> edo::task<> {
    auto p = co_await tx.reserve();
    EXPECT_TRUE(p.has_value());
    held.emplace(std::move(*p));
  };
  auto consumer = [&]() -> edo::task<> {
    co_await edo::yield_now();  // both waiters are queued by now
    EXPECT_EQ(tx.capacity(), 0u);
    std::vector<int> buf;
    EXPECT_EQ(co_await rx.recv_many(buf, 4), 4u);
    EXPECT_EQ(buf, (std::vector<int>{0, 1, 2, 3}));
  };
  edo::block_on([&]() -> edo::task<> {
    co_await edo::join(sender(20), reserver(), consumer());
    // 4 units back: one carried 20 into the channel, one is the permit, two are free.
    EXPECT_EQ(tx.capacity(), 2u);
    EXPECT_TRUE(tx.try_send(30));
    EXPECT_TRUE(tx.try_send(31));
    EXPECT_FALSE(tx.try_send(32));
    EXPECT_TRUE(held.has_value());
    if (held) std::move(*held).send(21);
    held.reset();
    std::vector<int> buf;
    EXPECT_EQ(co_await rx.recv_many(buf, 8), 4u);
    EXPECT_EQ(buf, (std::vector<int>{20, 30, 31, 21}));
    EXPECT_EQ(tx.capacity(), 4u);
  }());
}

// Capacity counts buffered messages and outstanding permits exactly, whatever the ring's
// size (a power of two: 3 and 5 leave slots that never hold a message), around the ring
// many times.
TEST(Mpsc, CapacityIsExactWhenItIsNotAPowerOfTwo) {
  for (const int cap : {1, 3, 5, 6}) {
    auto [tx, rx] = mpsc::channel<int>(static_cast<std::size_t>(cap));
    int next_in = 0, next_out = 0;
    for (int round = 0; round < 50; ++round) {
      // Fill: permits for the first two units, messages for the rest.
      const int permits = std::min(cap, 2);
      std::vector<mpsc::permit<int>> held;
      for (int i = 0; i < permits; ++i) {
        auto p = tx.try_reserve();
        ASSERT_TRUE(p.has_value());
        held.push_back(std::move(*p));
      }
      for (int i = permits; i < cap; ++i) ASSERT_TRUE(tx.try_send(next_in++));
      EXPECT_EQ(tx.capacity(), 0u);
      EXPECT_TRUE(tx.try_send(-1).is_full());
      EXPECT_FALSE(tx.try_reserve().has_value());
      // A dropped permit frees its unit; a used one becomes a message.
      held.pop_back();
      EXPECT_EQ(tx.capacity(), 1u);
      ASSERT_TRUE(tx.try_send(next_in++));
      EXPECT_TRUE(tx.try_send(-1).is_full());
      for (auto& p : held) std::move(p).send(next_in++);
      held.clear();
      EXPECT_EQ(tx.capacity(), 0u);
      EXPECT_EQ(rx.len(), static_cast<std::size_t>(cap));
      // Drain, one unit back at a time.
      for (int i = 0; i < cap; ++i) {
        auto v = rx.try_recv();
        ASSERT_TRUE(v.has_value());
        EXPECT_EQ(*v, next_out++);
        EXPECT_EQ(tx.capacity(), static_cast<std::size_t>(i + 1));
      }
      EXPECT_EQ(rx.try_recv(), std::nullopt);
    }
  }
}

// Room that receives free while senders wait goes to them when the receiving task's run
// ends (one serve per run; the fast paths stay shut meanwhile, so nobody overtakes them).
TEST(Mpsc, RoomFreedInARunGoesToWaitingSendersWhenTheRunEnds) {
  auto [tx, rx] = mpsc::channel<int>(2);
  EXPECT_TRUE(tx.try_send(0));
  EXPECT_TRUE(tx.try_send(1));
  bool sent = false;
  auto sender = [&]() -> edo::task<> {
    EXPECT_TRUE(co_await tx.send(2));
    sent = true;
  };
  auto consumer = [&]() -> edo::task<> {
    co_await edo::yield_now();  // the send waits by now
    EXPECT_EQ(co_await rx.recv(), 0);
    EXPECT_EQ(co_await rx.recv(), 1);
    EXPECT_EQ(tx.capacity(), 0u);            // handed over when this run ends
    EXPECT_TRUE(tx.try_send(99).is_full());  // not before the waiting send
    co_await edo::yield_now();
    EXPECT_EQ(tx.capacity(), 1u);  // one unit carried 2 in, one is free
    EXPECT_TRUE(tx.try_send(3));
    EXPECT_EQ(co_await rx.recv(), 2);
    EXPECT_EQ(co_await rx.recv(), 3);
    co_await edo::yield_now();  // the woken sender's strand runs
    EXPECT_TRUE(sent);
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(sender(), consumer()); }());
}

// A receive about to wait serves the waiting senders first: their messages are what it
// waits for.
TEST(Mpsc, ARecvAboutToWaitServesTheWaitingSendersFirst) {
  auto [tx, rx] = mpsc::channel<int>(1);
  EXPECT_TRUE(tx.try_send(0));
  auto sender = [&]() -> edo::task<> { EXPECT_TRUE(co_await tx.send(1)); };
  auto consumer = [&]() -> edo::task<> {
    co_await edo::yield_now();  // the send waits by now
    EXPECT_EQ(co_await rx.recv(), 0);
    std::optional<int> got;
    auto recv = [&]() -> edo::task<> { got = co_await rx.recv(); };
    EXPECT_TRUE(co_await completes_before_next_run(recv()));
    EXPECT_EQ(got, 1);
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(sender(), consumer()); }());
}

// try_recv serves at once: it may be polled outside a task, or in a loop that never ends its
// run.
TEST(Mpsc, TryRecvServesWaitingSendersAtOnce) {
  auto [tx, rx] = mpsc::channel<int>(1);
  EXPECT_TRUE(tx.try_send(0));
  auto sender = [&]() -> edo::task<> { EXPECT_TRUE(co_await tx.send(1)); };
  auto consumer = [&]() -> edo::task<> {
    co_await edo::yield_now();  // the send waits by now
    EXPECT_EQ(rx.try_recv(), 0);
    EXPECT_EQ(rx.try_recv(), 1);  // published by the first try_recv, in this run
    EXPECT_EQ(rx.try_recv(), std::nullopt);
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(sender(), consumer()); }());
}

// block_in_place hands the room over before f runs: f may wait for the senders.
TEST(Mpsc, BlockInPlaceServesTheRoomFirst) {
  auto rt = edo::runtime::builder::multi_thread().worker_threads(2).enable_all().build();
  rt.block_on([]() -> edo::task<> {
    auto [tx, rx] = mpsc::channel<int>(1);
    EXPECT_TRUE(tx.try_send(0));
    auto run = [](mpsc::sender<int>& out, mpsc::receiver<int>& in) -> edo::task<> {
      auto sender = [&]() -> edo::task<> { EXPECT_TRUE(co_await out.send(1)); };
      auto consumer = [&]() -> edo::task<> {
        co_await edo::yield_now();  // the send waits by now
        EXPECT_EQ(co_await in.recv(), 0);
        std::optional<int> got;
        edo::block_in_place([&] { got = in.try_recv(); });
        EXPECT_EQ(got, 1);
      };
      co_await edo::join(sender(), consumer());
    };
    co_await edo::spawn(run, std::move(tx), std::move(rx));
  }());
}

// The receiver goes away in the run whose receives left room to hand over: the waiting
// send fails with its message back, and the channel lives until the run's end has served.
TEST(Mpsc, ReceiverDroppedBeforeItsRunEndsLosesNothing) {
  counted::alive = 0;
  {
    auto [tx, rx] = mpsc::channel<counted>(1);
    EXPECT_TRUE(tx.try_send(counted(0)));
    auto holder = std::make_unique<mpsc::receiver<counted>>(std::move(rx));
    std::optional<edo::sync::send_result<counted>> result;
    auto sender = [&]() -> edo::task<> { result.emplace(co_await tx.send(counted(1))); };
    auto consumer = [&]() -> edo::task<> {
      co_await edo::yield_now();  // the send waits by now
      auto v = co_await holder->recv();
      EXPECT_TRUE(v && v->v == 0);
      holder.reset();
    };
    edo::block_on([&]() -> edo::task<> { co_await edo::join(sender(), consumer()); }());
    EXPECT_TRUE(result && result->is_closed());
    if (result && result->is_closed()) {
      EXPECT_EQ(result->value().v, 1);
    }
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

// Every handle goes in the run that left room to hand over at its end (the waiting send is
// cancelled and its sender dropped, then the receiver): the hand-over's reference keeps the
// channel until it has run.
TEST(Mpsc, RunEndHandOverKeepsTheChannelAlive) {
  counted::alive = 0;
  {
    auto [tx0, rx0] = mpsc::channel<counted>(1);
    EXPECT_TRUE(tx0.try_send(counted(0)));
    auto tx = std::make_unique<mpsc::sender<counted>>(std::move(tx0));
    auto rx = std::make_unique<mpsc::receiver<counted>>(std::move(rx0));
    edo::sync::notify stop, done;
    auto sender = [&]() -> edo::task<> {
      auto r = co_await edo::select(tx->send(counted(1)), stop.notified());
      EXPECT_EQ(r.index(), 1u);  // cancelled while waiting for room
      tx.reset();                // the last sender
      done.notify_one();
    };
    auto consumer = [&]() -> edo::task<> {
      co_await edo::yield_now();  // the send waits by now
      auto v = co_await rx->recv();
      EXPECT_TRUE(v && v->v == 0);
      stop.notify_one();
      co_await done.notified();
      rx.reset();  // the receiver, in the same run
    };
    edo::block_on([&]() -> edo::task<> { co_await edo::join(sender(), consumer()); }());
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

TEST(Mpsc, Unbounded) {
  auto [tx, rx] = mpsc::unbounded_channel<int>();
  for (int i = 0; i < 10000; ++i) EXPECT_TRUE(tx.send(i));
  auto tx2 = tx;
  EXPECT_TRUE(tx2.same_channel(tx));
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < 10000; ++i) EXPECT_EQ(co_await rx.recv(), i);
    EXPECT_FALSE(rx.try_recv());
  }());
  rx.close();
  auto r = tx.send(5);
  EXPECT_TRUE(r.is_closed());
  EXPECT_EQ(r.value(), 5);
}

TEST(Mpsc, SenderClosedCompletesWhenTheReceiverGoes) {
  auto [tx, rx] = mpsc::channel<int>(1);
  auto holder = std::make_unique<mpsc::receiver<int>>(std::move(rx));
  auto dropper = [&]() -> edo::task<> {
    co_await edo::yield_now();
    holder.reset();
  };
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(tx.closed()));  // cancel safe
    co_await edo::join(tx.closed(), dropper());
    co_await tx.closed();  // stays closed
  }());
}

TEST(Mpsc, CancelledRecvTakesNothing) {
  auto [tx, rx] = mpsc::channel<int>(2);
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(rx.recv()));
    EXPECT_TRUE(tx.try_send(1));
    EXPECT_EQ(co_await rx.recv(), 1);
  }());
}

TEST(Mpsc, MessageThatWokeACancelledRecvStaysAtTheFront) {
  auto [tx, rx] = mpsc::channel<int>(4);
  event_source other;
  auto t = [&]() -> edo::task<std::size_t> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_TRUE(tx.try_send(1));  // wakes the waiting recv (branch 1) ...
      EXPECT_TRUE(tx.try_send(2));  // ... buffered behind it
      other.fire(0);                // branch 0 wins in the same run
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), rx.recv()), fire_both());
    (void)ignored;
    co_return r.index();
  };
  EXPECT_EQ(edo::block_on(t()), 0u);
  EXPECT_EQ(rx.try_recv(), 1);  // still at the front: order kept
  EXPECT_EQ(rx.try_recv(), 2);
}

TEST(Mpsc, CancelledRecvTakesNothingFromAFullChannel) {
  // The message that woke the receive stays in the channel (and keeps its place in the
  // capacity, as in Tokio) when the receive is cancelled before it ran.
  auto [tx, rx] = mpsc::channel<int>(2);
  event_source other;
  auto t = [&]() -> edo::task<> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_TRUE(tx.try_send(1));  // wakes the waiting recv
      EXPECT_TRUE(tx.try_send(2));
      EXPECT_TRUE(tx.try_send(3).is_full());
      other.fire(0);
    };
    co_await edo::join(edo::select(other.wait(), rx.recv()), fire_both());
  };
  edo::block_on(t());
  EXPECT_EQ(rx.len(), 2u);
  EXPECT_EQ(rx.try_recv(), 1);
  EXPECT_EQ(rx.try_recv(), 2);
  EXPECT_EQ(rx.try_recv(), std::nullopt);
  EXPECT_TRUE(tx.try_send(4));
  EXPECT_TRUE(tx.try_send(5));
  EXPECT_TRUE(tx.try_send(6).is_full());
}

TEST(Mpsc, CancelledSendKeepsItsMessage) {
  auto [tx, rx] = mpsc::channel<std::string>(1);
  EXPECT_TRUE(tx.try_send("fill"));
  edo::block_on([&]() -> edo::task<> {
    auto op = tx.send("kept");  // named: it outlives the select
    auto r = co_await edo::select(op, edo_test::next_run());
    EXPECT_EQ(r.index(), 1u);  // the send was waiting: cancelled
    EXPECT_EQ(op.take_unsent(), "kept");
    EXPECT_EQ(co_await rx.recv(), "fill");
    EXPECT_FALSE(rx.try_recv());  // never sent
  }());
}

TEST(Mpsc, SendCompletedBeforeTheCancelStaysSent) {
  auto [tx, rx] = mpsc::channel<int>(1);
  event_source other;
  EXPECT_TRUE(tx.try_send(0));
  auto t = [&]() -> edo::task<> {
    auto op = tx.send(1);
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_EQ(rx.try_recv(), 0);  // room: the waiting send (branch 1) goes in ...
      other.fire(0);                // ... and branch 0 wins in the same run
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), op), fire_both());
    (void)ignored;
    EXPECT_EQ(r.index(), 0u);
    EXPECT_EQ(op.take_unsent(), std::nullopt);  // it was sent: never both
  };
  edo::block_on(t());
  EXPECT_EQ(rx.try_recv(), 1);
}

TEST(Mpsc, CancelledReserveFreesItsSlot) {
  auto [tx, rx] = mpsc::channel<int>(1);
  event_source other;
  EXPECT_TRUE(tx.try_send(0));
  auto t = [&]() -> edo::task<> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_EQ(rx.try_recv(), 0);  // the slot is reserved for branch 1 ...
      other.fire(0);                // ... which loses
    };
    co_await edo::join(edo::select(other.wait(), tx.reserve()), fire_both());
  };
  edo::block_on(t());
  EXPECT_EQ(tx.capacity(), 1u);  // given back
  EXPECT_TRUE(tx.try_send(1));
  // And one cancelled while waiting leaves nothing behind either.
  edo::block_on([&]() -> edo::task<> {
    EXPECT_FALSE(co_await completes_before_next_run(tx.reserve()));
    EXPECT_EQ(co_await rx.recv(), 1);
    EXPECT_EQ(tx.capacity(), 1u);
  }());
}

TEST(Mpsc, CancelledRecvManyTakesNothing) {
  auto [tx, rx] = mpsc::channel<int>(4);
  event_source other;
  auto t = [&]() -> edo::task<> {
    std::vector<int> buf;
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      EXPECT_TRUE(tx.try_send(1));  // handed to the waiting recv_many
      other.fire(0);
    };
    co_await edo::join(edo::select(other.wait(), rx.recv_many(buf, 4)), fire_both());
    EXPECT_TRUE(buf.empty());
  };
  edo::block_on(t());
  EXPECT_EQ(rx.try_recv(), 1);
}

TEST(Mpsc, TemporariesAreDestroyedOnce) {
  // g++ 12 (PR 100611) destroys some co_await temporaries twice: edo's shapes must not be
  // among them.
  counted::alive = 0;
  {
    auto [tx, rx] = mpsc::channel<counted>(2);
    edo::block_on([&]() -> edo::task<> {
      (void)co_await tx.send(counted(1));
      auto r = co_await edo::select(tx.send(counted(2)), edo_test::next_run());
      (void)r;
      auto v = co_await rx.recv();
      EXPECT_EQ(v->v, 1);
      auto w = co_await rx.recv();
      EXPECT_EQ(w->v, 2);
    }());
    EXPECT_EQ(counted::alive.load(), 0);  // each destroyed once: none leaked, none twice
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

TEST(Mpsc, NoAllocationInTheSteadyState) {
  if (!counting_allocs) GTEST_SKIP() << "operator new is ThreadSanitizer's";
  auto [tx, rx] = mpsc::channel<int>(4);
  edo::block_on([&]() -> edo::task<> {
    for (int i = 0; i < 100; ++i) {  // warm up
      (void)co_await tx.send(i);
      (void)co_await rx.recv();
    }
    const long before = g_allocs.load();
    for (int i = 0; i < 10000; ++i) {
      (void)co_await tx.send(i);
      (void)co_await tx.send(i);
      EXPECT_EQ(co_await rx.recv(), i);
      EXPECT_EQ(co_await rx.recv(), i);
      auto p = co_await tx.reserve();
      std::move(*p).send(i);
      EXPECT_EQ(rx.try_recv(), i);
    }
    EXPECT_EQ(g_allocs.load() - before, 0);
  }());
}

TEST(Mpsc, NoAllocationForAHandOffBetweenTasks) {
  if (!counting_allocs) GTEST_SKIP() << "operator new is ThreadSanitizer's";
  auto [tx, rx] = mpsc::channel<int>(1);
  auto [tx2, rx2] = mpsc::channel<int>(1);
  long allocs = -1;
  auto ping = [&]() -> edo::task<> {
    for (int i = 0; i < 100; ++i) {
      (void)co_await tx.send(i);
      (void)co_await rx2.recv();
    }
    const long before = g_allocs.load();
    for (int i = 0; i < 5000; ++i) {
      (void)co_await tx.send(i);
      (void)co_await rx2.recv();
    }
    allocs = g_allocs.load() - before;
  };
  auto pong = [&]() -> edo::task<> {
    for (int i = 0; i < 5100; ++i) (void)co_await tx2.send(*co_await rx.recv());
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(ping(), pong()); }());
  EXPECT_EQ(allocs, 0);
}

TEST(Mpsc, PlainThreadProducersBlockOnConsumer) {
  auto [tx, rx] = mpsc::channel<int>(16);
  constexpr int producers = 3;
  constexpr int per = 3000;
  std::vector<std::thread> ts;
  for (int p = 0; p < producers; ++p) {
    ts.emplace_back([p, tx = tx]() mutable {
      for (int i = 0; i < per; ++i) {
        EXPECT_TRUE(tx.blocking_send(p * per + i));
      }
    });
  }
  { auto gone = std::move(tx); }
  std::vector<int> last(producers, -1);
  long count = 0;
  while (auto v = rx.blocking_recv()) {
    const int p = *v / per;
    EXPECT_GT(*v, last[p]);  // per-producer order is kept
    last[p] = *v;
    ++count;
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(count, producers * per);
}

TEST(Mpsc, StressWithCancellations) {
  // Producers on threads send; some sends are cancelled (and re-sent from take_unsent);
  // the consumer sometimes cancels its recv. Every message arrives exactly once.
  auto [tx, rx] = mpsc::channel<int>(8);
  constexpr int producers = 3;
  constexpr int per = 2000;
  std::vector<std::thread> ts;
  for (int p = 0; p < producers; ++p) {
    ts.emplace_back([p, tx = tx]() mutable {
      edo::block_on([&]() -> edo::task<> {
        for (int i = 0; i < per; ++i) {
          const int v = p * per + i;
          if (i % 5 == 0) {
            auto op = tx.send(v);
            auto r = co_await edo::select(op, edo::yield_now());
            if (r.index() == 1) {
              if (auto back = op.take_unsent()) {
                EXPECT_TRUE(co_await tx.send(*back));
              }
            }
          } else if (i % 5 == 1) {
            auto p2 = co_await tx.reserve();
            std::move(*p2).send(v);
          } else {
            EXPECT_TRUE(co_await tx.send(v));
          }
        }
      }());
    });
  }
  { auto gone = std::move(tx); }
  std::vector<int> seen(producers * per, 0);
  edo::block_on([&]() -> edo::task<> {
    int i = 0;
    for (;;) {
      ++i;
      if (i % 7 == 0) {
        auto r = co_await edo::select(rx.recv(), edo::yield_now());
        if (r.index() == 0) {
          if (!std::get<0>(r)) break;
          ++seen[*std::get<0>(r)];
        }
        continue;
      }
      auto v = co_await rx.recv();
      if (!v) break;
      ++seen[*v];
    }
  }());
  for (auto& t : ts) t.join();
  for (int v = 0; v < producers * per; ++v) ASSERT_EQ(seen[v], 1) << v;
}

TEST(Mpsc, UnboundedOverflowKeepsFifo) {
  // Far more than the ring's 32 slots: later messages wait in the overflow and move into the
  // ring as the receiver frees units, in order, also while new sends keep arriving.
  auto [tx, rx] = mpsc::unbounded_channel<int>();
  int next_send = 0, next_recv = 0;
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(tx.send(next_send++));
    for (int i = 0; i < 60; ++i) ASSERT_EQ(rx.try_recv(), next_recv++);
  }
  EXPECT_EQ(rx.len(), static_cast<std::size_t>(next_send - next_recv));
  rx.close();  // buffered messages, the overflow's too, can still be received
  EXPECT_TRUE(tx.send(-1).is_closed());
  std::vector<int> rest;
  while (auto v = rx.try_recv()) rest.push_back(*v);
  ASSERT_EQ(rest.size(), static_cast<std::size_t>(next_send - next_recv));
  for (int v : rest) ASSERT_EQ(v, next_recv++);
  { auto gone = std::move(tx); }
  EXPECT_EQ(rx.blocking_recv(), std::nullopt);
}

TEST(Mpsc, UnboundedReceiverDropDestroysTheOverflow) {
  const int before = counted::alive;
  {
    auto [tx, rx] = mpsc::unbounded_channel<counted>();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(tx.send(counted(i)));
    EXPECT_EQ(counted::alive, before + 100);
    { auto gone = std::move(rx); }
    EXPECT_EQ(counted::alive, before);
    EXPECT_TRUE(tx.send(counted(-1)).is_closed());
  }
  EXPECT_EQ(counted::alive, before);
}

// A message that owns a sender of its own channel: dropping the receiver destroys it, so
// the channel is freed (LeakSanitizer checks the asan build).
struct self_ref {
  std::optional<mpsc::unbounded_sender<self_ref>> tx;
};

TEST(Mpsc, MessageOwningItsOwnSenderDoesNotLeakTheChannel) {
  auto [tx, rx] = mpsc::unbounded_channel<self_ref>();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(tx.send(self_ref{tx}));
  { auto gone = std::move(tx); }
  { auto gone = std::move(rx); }
}

TEST(Mpsc, CapacityOneAcrossThreads) {
  // The smallest ring (two slots for one unit) with producers on several threads: every
  // message arrives once, each producer's in order.
  auto [tx, rx] = mpsc::channel<long>(1);
  constexpr long producers = 3, per = 3000;
  std::vector<std::thread> ts;
  for (long p = 0; p < producers; ++p) {
    ts.emplace_back([p, tx = tx]() mutable {
      for (long i = 0; i < per; ++i) ASSERT_TRUE(tx.blocking_send(p * per + i));
    });
  }
  { auto gone = std::move(tx); }
  std::vector<long> last(producers, -1);
  long n = 0;
  while (auto v = rx.blocking_recv()) {
    const long p = *v / per;
    ASSERT_GT(*v, last[p]);
    last[p] = *v;
    ++n;
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(n, producers * per);
}

class MpscRt : public edo_test::flavor_test {};

TEST_P(MpscRt, PingPong) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [ping_tx, ping_rx] = mpsc::channel<int>(1);
    auto [pong_tx, pong_rx] = mpsc::channel<int>(1);
    auto b = edo::spawn(
        [](mpsc::receiver<int>& in, mpsc::sender<int>& out) -> edo::task<> {
          while (auto v = co_await in.recv()) (void)co_await out.send(*v + 1);
        },
        std::move(ping_rx), std::move(pong_tx));
    for (int i = 0; i < 2000; ++i) {
      (void)co_await ping_tx.send(i);
      EXPECT_EQ(co_await pong_rx.recv(), i + 1);
    }
    { auto gone = std::move(ping_tx); }
    co_await b;
  }());
}

TEST_P(MpscRt, ContendedProducers) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [tx, rx] = mpsc::channel<long>(32);
    std::vector<edo::join_handle<void>> hs;
    for (long p = 0; p < 8; ++p) {
      hs.push_back(edo::spawn(
          [](mpsc::sender<long>& out, long id) -> edo::task<> {
            for (long i = 0; i < 1000; ++i) (void)co_await out.send(id * 1000 + i);
          },
          tx, p));
    }
    { auto gone = std::move(tx); }
    long n = 0, sum = 0;
    while (auto v = co_await rx.recv()) {
      ++n;
      sum += *v;
    }
    EXPECT_EQ(n, 8000);
    EXPECT_EQ(sum, 8000L * 7999 / 2);
    for (auto& h : hs) co_await h;
  }());
}

TEST_P(MpscRt, UnboundedFanIn) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [tx, rx] = mpsc::unbounded_channel<int>();
    for (int p = 0; p < 4; ++p) {
      edo::spawn(
          [](mpsc::unbounded_sender<int>& out) -> edo::task<> {
            for (int i = 0; i < 500; ++i) {
              EXPECT_TRUE(out.send(1));
              if (i % 50 == 0) co_await edo::yield_now();
            }
          },
          tx)
          .detach();
    }
    { auto gone = std::move(tx); }
    int total = 0;
    std::vector<int> buf;
    while (co_await rx.recv_many(buf, 64) > 0) {
    }
    for (int v : buf) total += v;
    EXPECT_EQ(total, 2000);
  }());
}

// A receiver handed to another task, which drops it, in the run whose receive left room to
// hand over at its end: the hand-over holds the channel (on two workers the drop races it),
// and the waiting send either goes in or fails with its message back; nothing leaks.
TEST_P(MpscRt, ReceiverMovedAwayBeforeItsRunEnds) {
  counted::alive = 0;
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    for (int round = 0; round < 200; ++round) {
      auto [tx, rx] = mpsc::channel<counted>(1);
      EXPECT_TRUE(tx.try_send(counted(0)));
      auto waiting = edo::spawn(
          [](mpsc::sender<counted> out) -> edo::task<bool> {
            auto r = co_await out.send(counted(1));
            co_return r.ok() || (r.is_closed() && r.value().v == 1);
          },
          std::move(tx));
      auto receiving = edo::spawn(
          [](mpsc::receiver<counted> in) -> edo::task<> {
            co_await edo::yield_now();  // the send waits by now (on one thread; on two, mostly)
            auto v = co_await in.recv();
            EXPECT_TRUE(v && v->v == 0);
            edo::spawn(
                [](mpsc::receiver<counted> gone) -> edo::task<> {
                  (void)gone;
                  co_return;
                },
                std::move(in))
                .detach();
          },
          std::move(rx));
      co_await receiving;
      EXPECT_TRUE(co_await waiting);
    }
  }());
  EXPECT_EQ(counted::alive.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(All, MpscRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
