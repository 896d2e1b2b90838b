// Spawning on a runtime: join handles, values, exceptions, abort, detach, yield, many
// tasks, no_runtime, block_on rules, shutdown.
#include <edo/edo.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/test_event.hpp"

namespace {

using namespace std::chrono_literals;
using edo_test::event_source;

class RtSpawn : public edo_test::flavor_test {};

edo::task<int> value(int v) {
  co_return v;
}

TEST_P(RtSpawn, SpawnAndAwait) {
  auto rt = make_runtime();
  int v = rt.block_on([]() -> edo::task<int> {
    auto h = edo::spawn(value(20));
    auto h2 = edo::spawn(value, 22);
    co_return co_await h + co_await std::move(h2);
  }());
  EXPECT_EQ(v, 42);
}

TEST_P(RtSpawn, SpawnStoresCallableAndArguments) {
  auto rt = make_runtime();
  std::string out = rt.block_on([]() -> edo::task<std::string> {
    // Reference parameters bind to the copies stored in the task.
    auto f = [](const std::string& a, std::string& b) -> edo::task<std::string> {
      co_await edo::yield_now();
      co_return a + b;
    };
    edo::join_handle<std::string> h;
    {
      std::string x = "hello ", y = "world";
      h = edo::spawn(f, x, y);
    }  // x and y are gone; the task's copies live on
    co_return co_await h;
  }());
  EXPECT_EQ(out, "hello world");
}

TEST_P(RtSpawn, ExceptionBecomesJoinErrorPanic) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto h = edo::spawn([]() -> edo::task<int> {
      throw std::runtime_error("task failed");
      co_return 0;
    });
    bool caught = false;
    try {
      co_await h;
    } catch (const edo::join_error& e) {
      caught = true;
      EXPECT_TRUE(e.is_panic());
      EXPECT_FALSE(e.is_cancelled());
      EXPECT_THROW(e.rethrow(), std::runtime_error);
    }
    EXPECT_TRUE(caught);
  }());
}

TEST_P(RtSpawn, AbortCancelsAtTheCurrentAwait) {
  auto rt = make_runtime();
  event_source never;
  auto destroyed = std::make_shared<std::atomic<int>>(0);
  rt.block_on([](event_source& ev, std::shared_ptr<std::atomic<int>> d) -> edo::task<> {
    struct guard {
      std::shared_ptr<std::atomic<int>> d;
      ~guard() { ++*d; }
    };
    auto h = edo::spawn(
        [](event_source& e, std::shared_ptr<std::atomic<int>> dd) -> edo::task<int> {
          guard g{dd};
          co_return co_await e.wait();
        },
        std::ref(ev), d);
    while (ev.waiting() == 0) co_await edo::yield_now();
    h.abort();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const edo::join_error& e) {
      cancelled = e.is_cancelled();
    }
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(h.is_finished());
  }(never, destroyed));
  EXPECT_EQ(*destroyed, 1);
  EXPECT_EQ(never.cancelled(), 1);
  EXPECT_EQ(never.waiting(), 0u);
}

TEST_P(RtSpawn, AbortAfterReturnKeepsTheValue) {
  auto rt = make_runtime();
  int v = rt.block_on([]() -> edo::task<int> {
    auto h = edo::spawn(value(7));
    while (!h.is_finished()) co_await edo::yield_now();
    h.abort();
    co_return co_await h;
  }());
  EXPECT_EQ(v, 7);
}

TEST_P(RtSpawn, AbortBeforeFirstRunNeverRunsTheTask) {
  auto rt = make_runtime();
  auto ran = std::make_shared<std::atomic<bool>>(false);
  rt.block_on([](std::shared_ptr<std::atomic<bool>> r) -> edo::task<> {
    auto h = edo::spawn(
        [](std::shared_ptr<std::atomic<bool>> rr) -> edo::task<> {
          *rr = true;
          co_return;
        },
        r);
    h.abort();
    bool threw = false;
    try {
      co_await h;
    } catch (const edo::join_error&) {
      threw = true;
    }
    // On the current-thread runtime the task cannot have started; on the multi-thread one
    // a worker may have run it already, and then its value is kept.
    EXPECT_EQ(threw, !*r);
  }(ran));
  if (GetParam() == edo_test::flavor::current_thread) {
    EXPECT_FALSE(*ran);
  }
}

TEST_P(RtSpawn, DroppedHandleDetaches) {
  auto rt = make_runtime();
  event_source ev;
  auto done = std::make_shared<std::atomic<bool>>(false);
  rt.block_on([](event_source& e, std::shared_ptr<std::atomic<bool>> d) -> edo::task<> {
    {
      auto h = edo::spawn(
          [](event_source& ee, std::shared_ptr<std::atomic<bool>> dd) -> edo::task<> {
            co_await ee.wait();
            *dd = true;
          },
          std::ref(e), d);
    }  // detached
    while (e.waiting() == 0) co_await edo::yield_now();
    e.fire(1);
    while (!*d) co_await edo::yield_now();
  }(ev, done));
  EXPECT_TRUE(*done);
}

TEST_P(RtSpawn, CancelledAwaiterLeavesTheHandleAwaitable) {
  auto rt = make_runtime();
  event_source go;
  int v = rt.block_on([](event_source& e) -> edo::task<int> {
    auto h = edo::spawn([](event_source& ee) -> edo::task<int> { co_return co_await ee.wait(); },
                        std::ref(e));
    // The first await loses a select: the handle must stay usable.
    auto r = co_await edo::select(h, value(1));
    EXPECT_EQ(r.index(), 1u);
    e.fire(5);
    co_return co_await h;
  }(go));
  EXPECT_EQ(v, 5);
}

TEST_P(RtSpawn, YieldLetsOthersRun) {
  auto rt = make_runtime();
  std::vector<int> order;
  std::mutex mu;
  rt.block_on([](std::vector<int>& o, std::mutex& m) -> edo::task<> {
    auto a = edo::spawn(
        [](std::vector<int>& oo, std::mutex& mm) -> edo::task<> {
          for (int i = 0; i < 3; ++i) {
            {
              std::lock_guard lock(mm);
              oo.push_back(1);
            }
            co_await edo::yield_now();
          }
        },
        std::ref(o), std::ref(m));
    auto b = edo::spawn(
        [](std::vector<int>& oo, std::mutex& mm) -> edo::task<> {
          for (int i = 0; i < 3; ++i) {
            {
              std::lock_guard lock(mm);
              oo.push_back(2);
            }
            co_await edo::yield_now();
          }
        },
        std::ref(o), std::ref(m));
    co_await a;
    co_await b;
  }(order, mu));
  ASSERT_EQ(order.size(), 6u);
  if (GetParam() == edo_test::flavor::current_thread) {
    EXPECT_EQ(order, (std::vector<int>{1, 2, 1, 2, 1, 2}));
  }
}

TEST_P(RtSpawn, MillionTasksComplete) {
  auto rt = make_runtime();
  auto counter = std::make_shared<std::atomic<long>>(0);
  rt.block_on([](std::shared_ptr<std::atomic<long>> c) -> edo::task<> {
    std::vector<edo::join_handle<void>> hs;
    hs.reserve(1'000'000);
    for (int i = 0; i < 1'000'000; ++i) {
      hs.push_back(edo::spawn(
          [](std::atomic<long>* cc) -> edo::task<> {
            cc->fetch_add(1, std::memory_order_relaxed);
            co_return;
          },
          c.get()));
    }
    for (auto& h : hs) co_await h;
  }(counter));
  EXPECT_EQ(*counter, 1'000'000);
}

TEST_P(RtSpawn, RuntimeDestroyedWithSuspendedTasksLeaksNothing) {
  event_source never;
  auto alive = std::make_shared<int>(0);
  {
    auto rt = make_runtime();
    rt.block_on([](event_source& e, std::shared_ptr<int> a) -> edo::task<> {
      for (int i = 0; i < 100'000; ++i) {
        edo::spawn(
            [](event_source& ee, std::shared_ptr<int> aa) -> edo::task<> {
              co_await ee.wait();
              (void)aa;
            },
            std::ref(e), a);
      }
      co_await edo::yield_now();
    }(never, alive));
    EXPECT_GT(alive.use_count(), 1);
  }  // shutdown: every task cancelled and torn down
  EXPECT_EQ(alive.use_count(), 1);
  EXPECT_EQ(never.waiting(), 0u);
}

TEST_P(RtSpawn, SpawnAfterShutdownReturnsACancelledHandle) {
  auto rt = make_runtime();
  auto h = rt.handle();
  rt.shutdown_timeout(1s);
  auto guard = h.enter();
  auto jh = edo::spawn(value(1));
  EXPECT_TRUE(jh.is_finished());
}

TEST_P(RtSpawn, DetachedExceptionIsReportedAndTheRuntimeGoesOn) {
  testing::internal::CaptureStderr();
  {
    auto rt = make_runtime();
    int v = rt.block_on([]() -> edo::task<int> {
      // Dropped after it finished: reported when the handle goes.
      auto h = edo::spawn([]() -> edo::task<> {
        throw std::runtime_error("nobody listens");
        co_return;
      });
      while (!h.is_finished()) co_await edo::yield_now();
      h.detach();
      // Detached before it finished: reported when it finishes. (Shutdown cancels a task
      // still waiting at an await, which then throws nothing: wait until it is past it. The
      // report is written on the worker that ran it, which shutdown joins.)
      static std::atomic<bool> throwing{false};
      throwing = false;
      edo::spawn([]() -> edo::task<> {
        co_await edo::yield_now();
        throwing = true;
        throw std::runtime_error("detached failure");
      }).detach();
      while (!throwing) co_await edo::yield_now();
      co_return co_await edo::spawn(value(3));  // the runtime goes on
    }());
    EXPECT_EQ(v, 3);
  }
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("nobody listens"), std::string::npos) << err;
  EXPECT_NE(err.find("detached failure"), std::string::npos) << err;
}

TEST(RtSpawnErrors, SpawnWithoutRuntimeThrowsNoRuntime) {
  try {
    auto h = edo::spawn(value(1));
    FAIL() << "no exception";
  } catch (const edo::no_runtime& e) {
    EXPECT_NE(std::string(e.what()).find("there is no runtime running"), std::string::npos);
  }
  EXPECT_THROW(edo::block_on([]() -> edo::task<> { co_await edo::spawn(value(1)); }()),
               edo::no_runtime);
}

TEST(RtSpawnErrors, BlockOnInsideATaskThrowsLogicError) {
  auto rt = edo::runtime::builder::current_thread().enable_all().build();
  rt.block_on([](edo::runtime& r) -> edo::task<> {
    EXPECT_THROW(r.block_on(value(1)), std::logic_error);
    EXPECT_THROW(edo::block_on(value(1)), std::logic_error);
    co_return;
  }(rt));
}

TEST(RtSpawnErrors, UnhandledExceptionCanShutTheRuntimeDown) {
  auto rt = edo::runtime::builder::current_thread()
                .enable_all()
                .on_unhandled_exception(edo::unhandled_exception_policy::shutdown_runtime)
                .build();
  testing::internal::CaptureStderr();
  EXPECT_THROW(rt.block_on([]() -> edo::task<> {
    edo::spawn([]() -> edo::task<> {
      throw std::runtime_error("fatal");
      co_return;
    }).detach();
    for (;;) co_await edo::yield_now();
  }()),
               std::runtime_error);
  testing::internal::GetCapturedStderr();
}

INSTANTIATE_TEST_SUITE_P(Flavors, RtSpawn, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
