// join, join_all, select, shield, yield_now and adapt under edo::block_on (no runtime),
// with a leaf written against the public contract (support/test_event.hpp).
#include <edo/adapt.hpp>
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/shield.hpp>
#include <edo/task.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/test_event.hpp"

namespace {

using edo_test::event_source;

struct tracer {
  std::vector<std::string>* log;
  std::string name;
  ~tracer() { log->push_back("~" + name); }
};

edo::task<int> value(int v) {
  co_return v;
}
edo::task<> nothing() {
  co_return;
}

TEST(Join, CollectsResultsInOrder) {
  auto t = []() -> edo::task<int> {
    auto [a, b, c] = co_await edo::join(value(1), nothing(), value(3));
    static_assert(std::is_same_v<decltype(b), std::monostate>);
    co_return a * 10 + c;
  };
  EXPECT_EQ(edo::block_on(t()), 13);
}

TEST(Join, RunsBranchesConcurrently) {
  event_source a, b;
  std::thread firer;
  auto t = [&]() -> edo::task<int> {
    auto wait_a = [&]() -> edo::task<int> { co_return co_await a.wait(); };
    auto wait_b = [&]() -> edo::task<int> { co_return co_await b.wait(); };
    auto start = [&]() -> edo::task<> {
      // Both branches are suspended by now: fire from another thread, b first.
      firer = std::thread([&] {
        b.fire(2);
        a.fire(1);
      });
      co_return;
    };
    auto [x, y, z] = co_await edo::join(wait_a(), wait_b(), start());
    (void)z;
    co_return x * 10 + y;
  };
  EXPECT_EQ(edo::block_on(t()), 12);
  firer.join();
}

TEST(Join, FirstExceptionTearsDownTheOthersThenRethrows) {
  event_source never;
  std::vector<std::string> log;
  auto waiting = [&]() -> edo::task<int> {
    tracer tr{&log, "waiting"};
    co_return co_await never.wait();
  };
  auto failing = [&]() -> edo::task<int> {
    co_await edo::yield_now();
    throw std::runtime_error("branch failed");
  };
  auto t = [&]() -> edo::task<std::string> {
    try {
      co_await edo::join(waiting(), failing());
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what());
    }
    co_return "no exception";
  };
  EXPECT_EQ(edo::block_on(t()), "branch failed");
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "~waiting");
  EXPECT_EQ(never.cancelled(), 1);
  EXPECT_EQ(never.waiting(), 0u);
}

TEST(JoinAll, CollectsInOrder) {
  auto t = []() -> edo::task<int> {
    std::vector<edo::task<int>> ts;
    for (int i = 0; i < 100; ++i) ts.push_back(value(i));
    std::vector<int> r = co_await edo::join_all(std::move(ts));
    int sum = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i], static_cast<int>(i));
      sum += r[i];
    }
    co_return sum;
  };
  EXPECT_EQ(edo::block_on(t()), 4950);
}

TEST(Select, FirstToFinishWinsAndLosersAreTornDown) {
  event_source a, b;
  std::vector<std::string> log;
  auto wait_on = [&](event_source& e, std::string name) -> edo::task<int> {
    tracer tr{&log, name};
    co_return co_await e.wait();
  };
  auto t = [&]() -> edo::task<std::size_t> {
    auto fire_b = [&]() -> edo::task<> {
      b.fire(7);
      co_return;
    };
    auto [r, ignored] = co_await edo::join(edo::select(wait_on(a, "a"), wait_on(b, "b")), fire_b());
    (void)ignored;
    EXPECT_EQ(std::get<1>(r), 7);
    co_return r.index();
  };
  EXPECT_EQ(edo::block_on(t()), 1u);
  EXPECT_EQ(a.cancelled(), 1);
  EXPECT_EQ(a.waiting(), 0u);
  ASSERT_EQ(log.size(), 2u);  // both branch frames destroyed before select returned
}

TEST(Select, LowestIndexWinsATieAndTheLoserGivesBack) {
  event_source a, b;
  auto t = [&]() -> edo::task<std::size_t> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();  // both select branches are suspended when this resumes
      // Both branches complete in the same run: b first, then a.
      b.fire(2);
      a.fire(1);
      co_return;
    };
    auto [r, ignored] = co_await edo::join(edo::select(a.wait(), b.wait()), fire_both());
    (void)ignored;
    co_return r.index();
  };
  EXPECT_EQ(edo::block_on(t()), 0u);
  // b's value was handed to b's waiter, which lost: it went back to the source.
  EXPECT_EQ(b.given_back(), 1);
  EXPECT_EQ(b.stored(), 1u);
}

TEST(Select, EqualTypesAreReadByIndex) {
  auto t = []() -> edo::task<int> {
    auto r = co_await edo::select(value(5), value(6));
    EXPECT_EQ(r.index(), 0u);
    co_return std::get<0>(r);
  };
  EXPECT_EQ(edo::block_on(t()), 5);
}

TEST(Select, WinnerExceptionIsRethrown) {
  event_source never;
  auto t = [&]() -> edo::task<> {
    auto thrower = []() -> edo::task<int> {
      throw std::logic_error("winner threw");
      co_return 0;
    };
    co_await edo::select(never.wait(), thrower());
  };
  EXPECT_THROW(edo::block_on(t()), std::logic_error);
  EXPECT_EQ(never.cancelled(), 1);
}

TEST(Shield, RunsToCompletionDespiteCancellation) {
  event_source inner, after, trigger;
  std::vector<std::string> log;
  auto shielded = [&]() -> edo::task<> {
    co_await edo::shield([&]() -> edo::task<> {
      co_await inner.wait();
      log.push_back("shield done");
    }());
    log.push_back("after shield");
    co_await after.wait();  // cancellation takes effect here
    log.push_back("not reached");
  };
  auto t = [&]() -> edo::task<> {
    auto fire = [&]() -> edo::task<> {
      co_await edo::yield_now();
      trigger.fire(1);  // select's branch 1 wins: branch 0 is cancelled
      co_await edo::yield_now();
      inner.fire(1);  // the shield completes nonetheless
    };
    co_await edo::join(edo::select(shielded(), trigger.wait()), fire());
  };
  edo::block_on(t());
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0], "shield done");
  EXPECT_EQ(log[1], "after shield");
  EXPECT_EQ(after.waiting(), 0u);
  EXPECT_EQ(after.cancelled(), 1);
}

TEST(Teardown, DestroysFramesInnermostFirst) {
  event_source never, trigger;
  std::vector<std::string> log;
  auto level3 = [&]() -> edo::task<int> {
    tracer tr{&log, "3"};
    co_return co_await never.wait();
  };
  auto level2 = [&]() -> edo::task<int> {
    tracer tr{&log, "2"};
    co_return co_await level3();
  };
  auto level1 = [&]() -> edo::task<int> {
    tracer tr{&log, "1"};
    co_return co_await level2();
  };
  auto t = [&]() -> edo::task<> {
    auto fire = [&]() -> edo::task<> {
      trigger.fire(0);
      co_return;
    };
    co_await edo::join(edo::select(level1(), trigger.wait()), fire());
  };
  edo::block_on(t());
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "~3");
  EXPECT_EQ(log[1], "~2");
  EXPECT_EQ(log[2], "~1");
}

TEST(Leaf, ForeignThreadCompletesAWait) {
  event_source src;
  std::thread th;
  auto t = [&]() -> edo::task<int> {
    th = std::thread([&] { src.fire(99); });
    co_return co_await src.wait();
  };
  EXPECT_EQ(edo::block_on(t()), 99);
  th.join();
}

TEST(Leaf, RootFinishesAfterAChildThatSuspended) {
  // The root's final_suspend must find the root promise, not the child that suspended last.
  event_source src;
  std::thread th;
  auto child = [&]() -> edo::task<int> { co_return co_await src.wait(); };
  auto root = [&]() -> edo::task<std::string> {
    th = std::thread([&] { src.fire(7); });
    const int v = co_await child();
    co_return std::to_string(v);
  };
  EXPECT_EQ(edo::block_on(root()), "7");
  th.join();
}

TEST(Leaf, ManyCrossThreadWakes) {
  event_source src;
  constexpr int n = 20000;
  std::thread th([&] {
    for (int i = 0; i < n; ++i) src.fire(i);
  });
  auto t = [&]() -> edo::task<long> {
    long sum = 0;
    for (int i = 0; i < n; ++i) sum += co_await src.wait();
    co_return sum;
  };
  EXPECT_EQ(edo::block_on(t()), static_cast<long>(n) * (n - 1) / 2);
  th.join();
}

// A foreign awaitable: resumes its handle from another thread.
struct thread_hop {
  std::thread* th;
  int* out;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    *th = std::thread([h, o = out] {
      *o = 5;
      h.resume();
    });
  }
  int await_resume() const noexcept { return *out; }
};

TEST(Adapt, ForeignAwaitableResumesThroughTheExecutor) {
  std::thread th;
  int out = 0;
  std::thread::id resumed_on;
  auto t = [&]() -> edo::task<int> {
    thread_hop hop{&th, &out};
    int v = co_await edo::adapt(hop);
    resumed_on = std::this_thread::get_id();
    co_return v;
  };
  EXPECT_EQ(edo::block_on(t()), 5);
  EXPECT_EQ(resumed_on, std::this_thread::get_id());  // not the foreign thread
  th.join();
}

TEST(Yield, ReturnsUnderBlockOn) {
  auto t = []() -> edo::task<int> {
    for (int i = 0; i < 1000; ++i) co_await edo::yield_now();
    co_return 1;
  };
  EXPECT_EQ(edo::block_on(t()), 1);
}

struct counted {
  static inline int alive = 0;
  int v;
  explicit counted(int x) : v(x) { ++alive; }
  counted(const counted& o) : v(o.v) { ++alive; }
  counted(counted&& o) noexcept : v(o.v) { ++alive; }
  ~counted() { --alive; }
};

edo::task<int> take_counted(counted c) {
  co_return c.v;
}

TEST(Temporaries, AwaitingTemporariesDestroysEachOnce) {
  // GCC 12 destroys some co_await temporaries twice (PR 100611); edo's API shapes must not
  // be among them.
  counted::alive = 0;
  auto t = []() -> edo::task<int> {
    int a = co_await take_counted(counted(1));
    auto [b, c] = co_await edo::join(take_counted(counted(2)), take_counted(counted(3)));
    auto r = co_await edo::select(take_counted(counted(4)), take_counted(counted(5)));
    int d = co_await edo::shield(take_counted(counted(6)));
    co_return a + b + c + std::get<0>(r) + d;
  };
  EXPECT_EQ(edo::block_on(t()), 16);
  EXPECT_EQ(counted::alive, 0);
}

}  // namespace
