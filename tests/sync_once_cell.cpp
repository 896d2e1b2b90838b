// edo::sync::once_cell: get_or_init runs one initializer while concurrent callers wait;
// a throwing or cancelled initializer lets the next caller try; set/get; plain threads;
// runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/once_cell.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"

namespace {

using edo::sync::once_cell;
using edo_test::counted;

TEST(OnceCell, GetOrInitRunsOnceConcurrentCallersWait) {
  once_cell<std::string> cell;
  int inits = 0;
  auto init = [&]() -> edo::task<std::string> {
    ++inits;
    co_await edo::yield_now();  // others arrive meanwhile
    co_return "value";
  };
  auto caller = [&]() -> edo::task<std::string> { co_return co_await cell.get_or_init(init); };
  edo::block_on([&]() -> edo::task<> {
    auto [a, b, c] = co_await edo::join(caller(), caller(), caller());
    EXPECT_EQ(a, "value");
    EXPECT_EQ(b, "value");
    EXPECT_EQ(c, "value");
  }());
  EXPECT_EQ(inits, 1);
  ASSERT_NE(cell.get(), nullptr);
  EXPECT_EQ(*cell.get(), "value");
  EXPECT_TRUE(cell.initialized());
}

TEST(OnceCell, SetAndGet) {
  once_cell<int> cell;
  EXPECT_EQ(cell.get(), nullptr);
  EXPECT_TRUE(cell.set(1));
  EXPECT_FALSE(cell.set(2));
  EXPECT_EQ(*cell.get(), 1);
  once_cell<int> preset(7);
  EXPECT_EQ(*preset.get(), 7);
  const int v = edo::block_on([&]() -> edo::task<int> {
    co_return co_await preset.get_or_init([]() -> edo::task<int> { co_return 8; });
  }());
  EXPECT_EQ(v, 7);
}

TEST(OnceCell, FailedInitLetsTheNextCallerTry) {
  once_cell<int> cell;
  std::vector<std::string> log;
  auto failing = [&]() -> edo::task<int> {
    co_await edo::yield_now();
    log.push_back("fail");
    throw std::runtime_error("init failed");
  };
  auto working = [&]() -> edo::task<int> {
    log.push_back("ok");
    co_return 42;
  };
  auto first = [&]() -> edo::task<bool> {
    try {
      (void)co_await cell.get_or_init(failing);
    } catch (const std::runtime_error&) {
      co_return false;
    }
    co_return true;
  };
  auto second = [&]() -> edo::task<int> { co_return co_await cell.get_or_init(working); };
  edo::block_on([&]() -> edo::task<> {
    auto [ok, v] = co_await edo::join(first(), second());
    EXPECT_FALSE(ok);
    EXPECT_EQ(v, 42);
  }());
  EXPECT_EQ(log, (std::vector<std::string>{"fail", "ok"}));
}

TEST(OnceCell, CancelledInitLetsTheNextCallerTry) {
  once_cell<int> cell;
  auto never_finishes = []() -> edo::task<int> {
    for (;;) co_await edo::yield_now();
  };
  // get_or_init yields a reference: a select branch wraps it in a task returning a copy.
  auto init_copy = [&]() -> edo::task<int> { co_return co_await cell.get_or_init(never_finishes); };
  edo::block_on([&]() -> edo::task<> {
    auto r = co_await edo::select(init_copy(), edo_test::next_run());
    EXPECT_EQ(r.index(), 1u);  // the initializer was cancelled
    EXPECT_FALSE(cell.initialized());
    EXPECT_EQ(co_await cell.get_or_init([]() -> edo::task<int> { co_return 3; }), 3);
  }());
}

TEST(OnceCell, CancelledWaiterDoesNotDisturb) {
  once_cell<int> cell;
  auto slow = []() -> edo::task<int> {
    co_await edo::yield_now();
    co_await edo::yield_now();
    co_return 5;
  };
  edo::block_on([&]() -> edo::task<> {
    auto initializer = [&]() -> edo::task<int> { co_return co_await cell.get_or_init(slow); };
    auto get_copy = [&]() -> edo::task<int> {
      co_return co_await cell.get_or_init([]() -> edo::task<int> { co_return -1; });
    };
    auto impatient = [&]() -> edo::task<bool> {
      co_return co_await edo_test::completes_before_next_run(get_copy());
    };
    auto [v, completed] = co_await edo::join(initializer(), impatient());
    EXPECT_EQ(v, 5);
    EXPECT_FALSE(completed);
  }());
  EXPECT_EQ(*cell.get(), 5);
}

TEST(OnceCell, ValueDestroyedWithTheCell) {
  counted::alive = 0;
  {
    once_cell<counted> cell;
    edo::block_on([&]() -> edo::task<> {
      (void)co_await cell.get_or_init([]() -> edo::task<counted> { co_return counted(1); });
    }());
    EXPECT_EQ(counted::alive.load(), 1);
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

TEST(OnceCell, InitializerAndItsCapturesAreDestroyedOnce) {
  counted::alive = 0;
  {
    once_cell<int> cell;
    edo::block_on([&]() -> edo::task<> {
      // Named: g++ 12 destroys a capturing lambda temporary of a co_await expression twice
      // (GCC PR 100611; see once_cell.hpp).
      auto first = [c = counted(4)]() -> edo::task<int> { co_return c.v; };
      auto second = [c = counted(5)]() -> edo::task<int> { co_return c.v; };
      const int& v = co_await cell.get_or_init(first);
      EXPECT_EQ(v, 4);
      const int& w = co_await cell.get_or_init(std::move(second));
      EXPECT_EQ(w, 4);
#if defined(__clang__)
      // clang gets temporaries right.
      const int& x =
          co_await cell.get_or_init([c = counted(6)]() -> edo::task<int> { co_return c.v; });
      EXPECT_EQ(x, 4);
#endif
    }());
  }
  EXPECT_EQ(counted::alive.load(), 0);
}

TEST(OnceCell, PlainThreadsRace) {
  for (int round = 0; round < 50; ++round) {
    once_cell<int> cell;
    std::atomic<int> inits{0};
    std::vector<int> seen(4, 0);
    edo_test::run_threads(4, [&](int i) {
      seen[i] = edo::block_on([&]() -> edo::task<int> {
        auto init = [&inits, i]() -> edo::task<int> {
          ++inits;
          co_await edo::yield_now();
          co_return i + 1;
        };
        co_return co_await cell.get_or_init(init);
      }());
    });
    EXPECT_EQ(inits.load(), 1);
    for (int v : seen) EXPECT_EQ(v, *cell.get());
  }
}

class OnceCellRt : public edo_test::flavor_test {};

TEST_P(OnceCellRt, SharedLazyResource) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto cell = std::make_shared<once_cell<std::string>>();
    auto inits = std::make_shared<std::atomic<int>>(0);
    std::vector<edo::join_handle<std::size_t>> hs;
    for (int i = 0; i < 10; ++i) {
      hs.push_back(edo::spawn(
          [](std::shared_ptr<once_cell<std::string>> c,
             std::shared_ptr<std::atomic<int>> n) -> edo::task<std::size_t> {
            auto connect = [n]() -> edo::task<std::string> {
              ++*n;
              co_await edo::yield_now();
              co_return std::string("pool");
            };
            const std::string& v = co_await c->get_or_init(connect);
            co_return v.size();
          },
          cell, inits));
    }
    for (auto& h : hs) EXPECT_EQ(co_await h, 4u);
    EXPECT_EQ(inits->load(), 1);
  }());
}

INSTANTIATE_TEST_SUITE_P(All, OnceCellRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
