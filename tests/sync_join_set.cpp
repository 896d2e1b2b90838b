// edo::join_set: spawn forms, join_next in completion order, values / join_error (panic,
// cancelled), abort_all, shutdown, destroying the set aborts its tasks, try_join_next,
// cancellation of join_next (no task is lost), size/empty. Runs on both runtimes.
#include <edo/edo.hpp>
#include <edo/join_set.hpp>
#include <edo/sync/notify.hpp>
#include <edo/sync/oneshot.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"

namespace {

class JoinSet : public edo_test::flavor_test {};

edo::task<int> value_after(int v, int yields) {
  for (int i = 0; i < yields; ++i) co_await edo::yield_now();
  co_return v;
}

TEST_P(JoinSet, JoinsInCompletionOrder) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    edo::join_set<int> set;
    EXPECT_TRUE(set.empty());
    EXPECT_FALSE(co_await set.join_next());  // empty set: nothing
    // Completion order is forced with oneshots: task i waits for gate i.
    std::vector<edo::sync::oneshot::sender<int>> gates;
    for (int i = 0; i < 3; ++i) {
      auto [tx, rx] = edo::sync::oneshot::channel<int>();
      gates.push_back(std::move(tx));
      set.spawn(
          [](edo::sync::oneshot::receiver<int>& gate) -> edo::task<int> {
            co_return (co_await gate).value_or(-1);
          },
          std::move(rx));
    }
    EXPECT_EQ(set.size(), 3u);
    for (int i : {2, 0, 1}) {
      (void)gates[static_cast<std::size_t>(i)].send(i * 10);
      auto r = co_await set.join_next();
      EXPECT_TRUE(r);
      EXPECT_EQ(*r, i * 10);
    }
    EXPECT_TRUE(set.empty());
    EXPECT_FALSE(co_await set.join_next());
  }());
}

TEST_P(JoinSet, SpawnForms) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    edo::join_set<int> set;
    set.spawn(value_after(1, 0));  // a task
    set.spawn(value_after, 2, 1);  // a callable and its arguments
    set.spawn(
        [](const std::string& s) -> edo::task<int> {  // reference parameter: bound
          co_await edo::yield_now();                  // to the stored copy
          co_return static_cast<int>(s.size());
        },
        std::string("abc"));
    std::multiset<int> got;
    while (auto r = co_await set.join_next()) got.insert(*r);
    EXPECT_EQ(got, (std::multiset<int>{1, 2, 3}));
  }());
}

TEST_P(JoinSet, ExceptionsBecomeJoinErrors) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    edo::join_set<int> set;
    set.spawn([]() -> edo::task<int> {
      co_await edo::yield_now();
      throw std::runtime_error("boom");
    });
    bool caught = false;
    try {
      (void)co_await set.join_next();
    } catch (const edo::join_error& e) {
      caught = true;
      EXPECT_TRUE(e.is_panic());
      EXPECT_THROW(e.rethrow(), std::runtime_error);
    }
    EXPECT_TRUE(caught);
    EXPECT_TRUE(set.empty());
  }());
}

TEST_P(JoinSet, AbortAllReportsCancelled) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    edo::join_set<void> set;
    auto never = std::make_shared<edo::sync::notify>();
    for (int i = 0; i < 3; ++i) {
      set.spawn([](std::shared_ptr<edo::sync::notify> n) -> edo::task<> { co_await n->notified(); },
                never);
    }
    set.spawn([]() -> edo::task<> { co_return; });  // may finish before the abort
    co_await edo::yield_now();
    set.abort_all();
    int cancelled = 0, finished = 0;
    while (!set.empty()) {
      try {
        auto r = co_await set.join_next();
        EXPECT_TRUE(r);
        ++finished;
      } catch (const edo::join_error& e) {
        EXPECT_TRUE(e.is_cancelled());
        ++cancelled;
      }
    }
    EXPECT_EQ(cancelled + finished, 4);
    EXPECT_GE(cancelled, 3);
  }());
}

// A task body that counts its start and its destruction, then waits forever.
edo::task<int> parked(std::shared_ptr<edo::sync::notify> n,
                      std::shared_ptr<std::atomic<int>> started,
                      std::shared_ptr<std::atomic<int>> destroyed) {
  struct guard {
    std::shared_ptr<std::atomic<int>> d;
    ~guard() { ++*d; }
  } g{destroyed};
  ++*started;
  co_await n->notified();
  co_return 0;
}

TEST_P(JoinSet, ShutdownAbortsAndWaits) {
  auto rt = make_runtime();
  auto started = std::make_shared<std::atomic<int>>(0);
  auto destroyed = std::make_shared<std::atomic<int>>(0);
  rt.block_on(
      [](std::shared_ptr<std::atomic<int>> s, std::shared_ptr<std::atomic<int>> d) -> edo::task<> {
        edo::join_set<int> set;
        auto never = std::make_shared<edo::sync::notify>();
        for (int i = 0; i < 5; ++i) set.spawn(parked, never, s, d);
        while (s->load() < 3) co_await edo::yield_now();  // some of them run, maybe not all
        co_await set.shutdown();
        EXPECT_TRUE(set.empty());
        // Every task that started was torn down before shutdown returned; the others were
        // dropped without running.
        EXPECT_EQ(d->load(), s->load());
      }(started, destroyed));
}

TEST_P(JoinSet, DestroyingTheSetAbortsItsTasks) {
  auto rt = make_runtime();
  auto started = std::make_shared<std::atomic<int>>(0);
  auto destroyed = std::make_shared<std::atomic<int>>(0);
  rt.block_on(
      [](std::shared_ptr<std::atomic<int>> s, std::shared_ptr<std::atomic<int>> d) -> edo::task<> {
        auto never = std::make_shared<edo::sync::notify>();
        {
          edo::join_set<int> set;
          for (int i = 0; i < 4; ++i) set.spawn(parked, never, s, d);
          while (s->load() < 4) co_await edo::yield_now();
        }                                                 // aborted here
        while (d->load() < 4) co_await edo::yield_now();  // torn down on their own threads
      }(started, destroyed));
  EXPECT_EQ(destroyed->load(), 4);
}

TEST_P(JoinSet, TryJoinNext) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    edo::join_set<int> set;
    auto [tx, rx] = edo::sync::oneshot::channel<int>();
    set.spawn(
        [](edo::sync::oneshot::receiver<int>& g) -> edo::task<int> {
          co_return (co_await g).value_or(-1);
        },
        std::move(rx));
    EXPECT_FALSE(set.try_join_next());  // not finished
    (void)tx.send(4);
    std::optional<int> r;
    while (!(r = set.try_join_next())) co_await edo::yield_now();
    EXPECT_EQ(*r, 4);
    EXPECT_TRUE(set.empty());
  }());
}

TEST_P(JoinSet, CancelledJoinNextLosesNoTask) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    edo::join_set<int> set;
    auto [tx, rx] = edo::sync::oneshot::channel<int>();
    set.spawn(
        [](edo::sync::oneshot::receiver<int>& g) -> edo::task<int> {
          co_return (co_await g).value_or(-1);
        },
        std::move(rx));
    // Waiting join_next cancelled: the set is unchanged.
    auto r = co_await edo::select(set.join_next(), edo_test::next_run());
    EXPECT_EQ(r.index(), 1u);
    EXPECT_EQ(set.size(), 1u);
    (void)tx.send(8);
    auto v = co_await set.join_next();
    EXPECT_EQ(v, 8);
  }());
}

TEST_P(JoinSet, ManyTasks) {
  auto rt = make_runtime();
  const long sum = rt.block_on([]() -> edo::task<long> {
    edo::join_set<int> set;
    for (int i = 0; i < 500; ++i) set.spawn(value_after, i, i % 3);
    long s = 0;
    while (auto r = co_await set.join_next()) s += *r;
    co_return s;
  }());
  EXPECT_EQ(sum, 500L * 499 / 2);
}

TEST(JoinSetNoRuntime, SpawnThrowsNoRuntimeAndLeavesTheSetEmpty) {
  edo::join_set<int> set;
  EXPECT_THROW(set.spawn(value_after(1, 0)), edo::no_runtime);
  EXPECT_TRUE(set.empty());
}

INSTANTIATE_TEST_SUITE_P(All, JoinSet, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
