// edo::signal: raise() to this process; several listeners per signal, deliveries kept
// between awaits, coalescing, ctrl_c, cancellation, refused signals. Both runtime flavors.
#include <edo/edo.hpp>
#include <edo/signal.hpp>
#include <edo/sync/mpsc.hpp>

#include <gtest/gtest.h>

#include <csignal>

#include "support/io_test.hpp"

namespace {

using edo::signal::signal_kind;

class Signal : public edo_test::io_flavor_test {
 protected:
  // The registry's self-pipe lives as long as the process: create it before the
  // descriptor counts start.
  static void SetUpTestSuite() {
    auto rt = edo::runtime::builder::current_thread().enable_all().build();
    rt.block_on([]() -> edo::task<> {
      (void)edo::signal::signal(signal_kind::user_defined2());
      co_return;
    }());
  }
};

TEST_P(Signal, RaiseIsReceived) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto s = edo::signal::signal(signal_kind::user_defined1());
    EXPECT_EQ(s.kind(), signal_kind::user_defined1());
    ::raise(SIGUSR1);
    co_await s.recv();
  }());
}

TEST_P(Signal, EveryListenerSeesEveryDelivery) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto a = edo::signal::signal(signal_kind::user_defined1());
    auto b = edo::signal::signal(signal_kind::user_defined1());
    // A listener in another task reports each delivery it sees (deliveries made before it
    // looks would coalesce, so the next one is raised only after it reported).
    auto [seen_tx, seen_rx] = edo::sync::mpsc::unbounded_channel<int>();
    auto waiter = edo::spawn(
        [](edo::signal::signal_stream s, edo::sync::mpsc::unbounded_sender<int> tx) -> edo::task<> {
          for (int i = 0; i < 3; ++i) {
            co_await s.recv();
            (void)tx.send(i);
          }
        },
        edo::signal::signal(signal_kind::user_defined1()), std::move(seen_tx));
    for (int i = 0; i < 3; ++i) {
      ::raise(SIGUSR1);
      co_await a.recv();  // a waits for each delivery...
      auto got = co_await seen_rx.recv();
      EXPECT_EQ(got, i);
    }
    // ...b was not waiting at all: the deliveries were kept, coalesced into one.
    co_await b.recv();
    auto again = co_await edo::select(b.recv(), edo::yield_now());
    EXPECT_EQ(again.index(), 1u);
    co_await waiter;
  }());
}

TEST_P(Signal, NothingLostBetweenAwaits) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto s = edo::signal::signal(signal_kind::hangup());
    for (int i = 0; i < 5; ++i) {
      ::raise(SIGHUP);  // delivered while nobody waits
      co_await s.recv();
    }
    // A listener created after a delivery does not see it.
    auto late = edo::signal::signal(signal_kind::hangup());
    auto r = co_await edo::select(late.recv(), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
  }());
}

TEST_P(Signal, CancelledRecvConsumesNothing) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto s = edo::signal::signal(signal_kind::user_defined1());
    auto r = co_await edo::select(s.recv(), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    ::raise(SIGUSR1);
    co_await s.recv();
  }());
}

TEST_P(Signal, CtrlC) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    // A first listener installs the handler: from now on SIGINT no longer ends the process.
    auto first = edo::signal::signal(signal_kind::interrupt());
    auto waiting = edo::spawn(edo::signal::ctrl_c());
    // ctrl_c() listens from its first run on: raise until it has seen one.
    while (!waiting.is_finished()) {
      ::raise(SIGINT);
      co_await edo::yield_now();
    }
    co_await waiting;
    co_await first.recv();
  }());
}

TEST_P(Signal, RefusedSignals) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    for (int s : {SIGKILL, SIGSTOP, SIGSEGV, 0, 200}) {
      bool threw = false;
      try {
        (void)edo::signal::signal(signal_kind::from_raw(s));
      } catch (const std::system_error& e) {
        threw = e.code() == std::errc::invalid_argument;
      }
      EXPECT_TRUE(threw) << s;
    }
    co_return;
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, Signal, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
