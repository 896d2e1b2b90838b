// Time: sleep, sleep_until, instant, the paused clock and auto-advance, advance(),
// interval behaviours, timeout — all on the paused clock except one lower-bound check.
#include <edo/edo.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/runtimes.hpp"

namespace {

using namespace std::chrono_literals;
using edo::time::instant;

class Time : public edo_test::flavor_test {};

TEST_P(Time, PausedSleepAutoAdvancesExactly) {
  auto rt = make_runtime(/*paused=*/true);
  auto d = rt.block_on([]() -> edo::task<edo::time::duration> {
    const instant t0 = instant::now();
    co_await edo::time::sleep(1h);
    co_return instant::now() - t0;
  }());
  EXPECT_EQ(d, std::chrono::nanoseconds(1h));
}

TEST_P(Time, SleepsWakeInDeadlineOrder) {
  auto rt = make_runtime(true);
  std::vector<int> order;
  rt.block_on([](std::vector<int>& o) -> edo::task<> {
    std::vector<edo::join_handle<void>> hs;
    for (int ms : {50, 10, 30, 20, 40, 5000, 70000}) {
      hs.push_back(edo::spawn(
          [](std::vector<int>& oo, int m) -> edo::task<> {
            co_await edo::time::sleep(std::chrono::milliseconds(m));
            oo.push_back(m);
          },
          std::ref(o), ms));
    }
    for (auto& h : hs) co_await h;
  }(order));
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30, 40, 50, 5000, 70000}));
}

TEST_P(Time, FarDeadlinesCascadeThroughEveryLevel) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    for (auto d :
         {1ms, 63ms, 64ms, 4095ms, 4096ms, 262143ms, 262144ms, std::chrono::milliseconds(16777216),
          std::chrono::milliseconds(68719476736 + 5)}) {
      const instant t0 = instant::now();
      co_await edo::time::sleep(d);
      const auto took = instant::now() - t0;
      EXPECT_GE(took, d);
      EXPECT_LT(took, d + 1ms);
    }
  }());
}

TEST_P(Time, SleepUntilThePast) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    const instant t0 = instant::now();
    co_await edo::time::sleep_until(t0 - 1s);
    co_await edo::time::sleep(0ms);
    EXPECT_EQ(instant::now(), t0);
  }());
}

TEST_P(Time, AdvanceFiresDueTimers) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    const instant t0 = instant::now();
    // A deadline fixed up front: on the multi-thread runtime the task may register its
    // timer before or after the first advance.
    auto h = edo::spawn(
        [](instant start) -> edo::task<edo::time::instant> {
          co_await edo::time::sleep_until(start + 100ms);
          co_return instant::now();
        },
        t0);
    co_await edo::yield_now();
    co_await edo::time::advance(99ms);
    EXPECT_FALSE(h.is_finished());  // its timer is not due yet
    co_await edo::time::advance(1ms);
    const instant woke = co_await h;
    EXPECT_EQ(woke - t0, std::chrono::nanoseconds(100ms));
  }());
}

TEST_P(Time, AbortedSleepUnregistersItsTimer) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    auto alive = std::make_shared<int>(0);
    auto h = edo::spawn(
        [](std::shared_ptr<int> a) -> edo::task<> {
          co_await edo::time::sleep(1h);
          (void)a;
        },
        alive);
    co_await edo::yield_now();
    h.abort();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const edo::join_error& e) {
      cancelled = e.is_cancelled();
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(alive.use_count(), 1);
    // Only the clock of the sleep below moves: the aborted hour was unregistered.
    const instant t0 = instant::now();
    co_await edo::time::sleep(5ms);
    EXPECT_EQ(instant::now() - t0, std::chrono::nanoseconds(5ms));
  }());
}

TEST_P(Time, RealClockSleepIsNotEarly) {
  auto rt = make_runtime();
  auto d = rt.block_on([]() -> edo::task<edo::time::duration> {
    const auto t0 = std::chrono::steady_clock::now();
    co_await edo::time::sleep(20ms);
    co_return std::chrono::steady_clock::now() - t0;
  }());
  EXPECT_GE(d, 20ms);
}

TEST_P(Time, PauseAndResume) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    EXPECT_FALSE(edo::time::is_paused());
    edo::time::pause();
    const instant t0 = instant::now();
    co_await edo::time::sleep(10s);  // auto-advance, to the wheel's next 1 ms tick
    EXPECT_GE(instant::now() - t0, std::chrono::nanoseconds(10s));
    EXPECT_LT(instant::now() - t0, std::chrono::nanoseconds(10s + 1ms));
    edo::time::resume();
    EXPECT_FALSE(edo::time::is_paused());
    co_await edo::time::sleep(1ms);
    EXPECT_GE(instant::now() - t0, std::chrono::nanoseconds(10s + 1ms));
  }());
}

TEST_P(Time, TimeoutElapsesAndTearsDownTheOperation) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    auto alive = std::make_shared<int>(0);
    auto slow = [](std::shared_ptr<int> a) -> edo::task<std::string> {
      co_await edo::time::sleep(250ms);
      (void)a;
      co_return "late";
    };
    const instant t0 = instant::now();
    auto r = co_await edo::time::timeout(100ms, slow(alive));
    EXPECT_FALSE(r);
    EXPECT_TRUE(r.elapsed());
    EXPECT_EQ(alive.use_count(), 1);  // the operation's frame is gone
    EXPECT_EQ(instant::now() - t0, std::chrono::nanoseconds(100ms));
    EXPECT_THROW(r.value(), edo::time::elapsed_error);
  }());
}

TEST_P(Time, TimeoutCompletesInTime) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    auto query = []() -> edo::task<std::string> {
      co_await edo::time::sleep(40ms);
      co_return "ok";
    };
    const instant t0 = instant::now();
    auto r = co_await edo::time::timeout(100ms, query());
    CO_ASSERT_TRUE(r);
    EXPECT_EQ(*r, "ok");
    EXPECT_EQ(instant::now() - t0, std::chrono::nanoseconds(40ms));
    // The cancelled timer does not hold the clock back: the next hour auto-advances
    // without stopping at t0 + 100ms.
    auto r2 = co_await edo::time::timeout(1ms, []() -> edo::task<> { co_return; }());
    EXPECT_TRUE(r2);
  }());
}

TEST_P(Time, TimeoutPropagatesExceptions) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    auto failing = []() -> edo::task<int> {
      co_await edo::time::sleep(1ms);
      throw std::runtime_error("inner");
    };
    bool caught = false;
    try {
      co_await edo::time::timeout(100ms, failing());
    } catch (const std::runtime_error& e) {
      caught = std::string(e.what()) == "inner";
    }
    EXPECT_TRUE(caught);
  }());
}

TEST_P(Time, TimeoutOfAJoinHandle) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    auto h = edo::spawn([]() -> edo::task<int> {
      co_await edo::time::sleep(1s);
      co_return 9;
    });
    auto r = co_await edo::time::timeout(10ms, h);  // lvalue: awaited in place
    EXPECT_FALSE(r);
    auto r2 = co_await edo::time::timeout(2s, h);
    CO_ASSERT_TRUE(r2);
    EXPECT_EQ(*r2, 9);
  }());
}

TEST_P(Time, IntervalBurstCatchesUp) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    const instant t0 = instant::now();
    edo::time::interval iv(10ms);
    EXPECT_EQ(co_await iv.tick(), t0);  // the first tick is immediate
    co_await edo::time::advance(35ms);  // three ticks missed
    std::vector<long> at;
    for (int i = 0; i < 4; ++i) {
      at.push_back(
          std::chrono::duration_cast<std::chrono::milliseconds>(co_await iv.tick() - t0).count());
    }
    EXPECT_EQ(at, (std::vector<long>{10, 20, 30, 40}));
    EXPECT_EQ(instant::now() - t0, std::chrono::nanoseconds(40ms));
  }());
}

TEST_P(Time, IntervalDelayAndSkip) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    const instant t0 = instant::now();
    edo::time::interval delay(10ms);
    delay.set_missed_tick_behavior(edo::time::missed_tick_behavior::delay);
    co_await delay.tick();
    co_await edo::time::advance(35ms);
    EXPECT_EQ(co_await delay.tick() - t0, std::chrono::nanoseconds(10ms));  // late tick
    EXPECT_EQ(co_await delay.tick() - t0, std::chrono::nanoseconds(45ms));  // now + period

    const instant t1 = instant::now();
    edo::time::interval skip(10ms);
    skip.set_missed_tick_behavior(edo::time::missed_tick_behavior::skip);
    co_await skip.tick();
    co_await edo::time::advance(35ms);
    EXPECT_EQ(co_await skip.tick() - t1, std::chrono::nanoseconds(10ms));  // late tick
    EXPECT_EQ(co_await skip.tick() - t1, std::chrono::nanoseconds(40ms));  // on schedule
  }());
}

TEST_P(Time, SelectWithANamedSleep) {
  auto rt = make_runtime(true);
  rt.block_on([]() -> edo::task<> {
    auto deadline = edo::time::sleep(50ms);
    int rounds = 0;
    for (;;) {
      auto r = co_await edo::select(deadline, edo::time::sleep(20ms));
      if (r.index() == 0) break;
      ++rounds;
    }
    EXPECT_EQ(rounds, 2);
  }());
}

TEST(TimeErrors, NoRuntimeNoTimer) {
  try {
    edo::block_on([]() -> edo::task<> { co_await edo::time::sleep(1ms); }());
    FAIL() << "no exception";
  } catch (const edo::no_runtime& e) {
    EXPECT_NE(std::string(e.what()).find("there is no timer running"), std::string::npos)
        << e.what();
  }
  auto rt = edo::runtime::builder::current_thread().build();  // no time driver
  EXPECT_THROW(rt.block_on([]() -> edo::task<> { co_await edo::time::sleep(1ms); }()),
               edo::no_runtime);
}

INSTANTIATE_TEST_SUITE_P(Flavors, Time, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
