// The co-operative budget: a task looping on an always-ready operation yields after 128
// ready operations, so it cannot starve another task on a one-worker runtime;
// edo::unconstrained opts out.
#include <edo/edo.hpp>
#include <edo/unconstrained.hpp>

#include <gtest/gtest.h>

#include <atomic>

#include "support/runtimes.hpp"
#include "support/test_event.hpp"

namespace {

using edo_test::event_source;

edo::runtime one_worker(edo_test::flavor f) {
  if (f == edo_test::flavor::current_thread) {
    return edo::runtime::builder::current_thread().enable_all().build();
  }
  return edo::runtime::builder::multi_thread().worker_threads(1).enable_all().build();
}

class RtCoop : public edo_test::flavor_test {};

TEST_P(RtCoop, AlwaysReadyLoopDoesNotStarveOthers) {
  auto rt = one_worker(GetParam());
  event_source always;
  for (int i = 0; i < 100'000; ++i) always.fire(i);  // every wait is ready at once
  std::atomic<bool> stop{false};
  std::atomic<long> consumed_before_stop{-1};
  rt.block_on([](event_source& ev, std::atomic<bool>& st, std::atomic<long>& seen) -> edo::task<> {
    // Everything on the one worker: the spinner starts first, then the other task is
    // spawned behind it.
    co_await edo::spawn(
        [](event_source& e, std::atomic<bool>& s, std::atomic<long>& sn) -> edo::task<> {
          auto spinner = edo::spawn(
              [](event_source& e2, std::atomic<bool>& s2) -> edo::task<long> {
                long n = 0;
                while (!s2.load()) {
                  co_await e2.wait();  // always ready: only the budget makes it yield
                  ++n;
                }
                co_return n;
              },
              std::ref(e), std::ref(s));
          co_await edo::yield_now();  // the spinner runs now, until its budget is spent
          auto other = edo::spawn(
              [](std::atomic<bool>& s2) -> edo::task<> {
                s2.store(true);
                co_return;
              },
              std::ref(s));
          co_await other;
          sn.store(co_await spinner);
        },
        std::ref(ev), std::ref(st), std::ref(seen));
  }(always, stop, consumed_before_stop));
  // The other task ran within a couple of budgets, long before the 100,000 were consumed.
  EXPECT_GE(consumed_before_stop.load(), 0);
  EXPECT_LT(consumed_before_stop.load(), 1000);
}

TEST_P(RtCoop, UnconstrainedOptsOut) {
  auto rt = one_worker(GetParam());
  event_source always;
  for (int i = 0; i < 5000; ++i) always.fire(i);
  std::atomic<long> consumed_when_other_ran{-1};
  std::atomic<long> consumed{0};
  rt.block_on([](event_source& ev, std::atomic<long>& c, std::atomic<long>& seen) -> edo::task<> {
    auto burst = edo::spawn(
        [](event_source& e, std::atomic<long>& cc) -> edo::task<> {
          co_await edo::unconstrained([](event_source& e2, std::atomic<long>& c2) -> edo::task<> {
            for (int i = 0; i < 5000; ++i) {
              co_await e2.wait();
              c2.fetch_add(1);
            }
          }(e, cc));
        },
        std::ref(ev), std::ref(c));
    auto other = edo::spawn(
        [](std::atomic<long>& cc, std::atomic<long>& s) -> edo::task<> {
          s.store(cc.load());
          co_return;
        },
        std::ref(c), std::ref(seen));
    co_await burst;
    co_await other;
  }(always, consumed, consumed_when_other_ran));
  EXPECT_EQ(consumed.load(), 5000);
  if (GetParam() == edo_test::flavor::current_thread) {
    // FIFO on one thread: `burst` ran first and, unconstrained, never yielded.
    EXPECT_EQ(consumed_when_other_ran.load(), 5000);
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, RtCoop, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
