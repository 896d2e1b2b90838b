// edo::sync::rwlock: shared readers, exclusive writers, write preference (readers that come
// after a waiting writer wait behind it), max readers, downgrade, cancellation (a cancelled
// writer hands the read permits it collected to those behind it), threads, runtimes.
#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/rwlock.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/runtimes.hpp"
#include "support/sync_test.hpp"
#include "support/test_event.hpp"

namespace {

using edo::sync::rwlock;
using edo_test::completes_before_next_run;
using edo_test::event_source;

TEST(RwLock, ReadersShareWritersExclude) {
  rwlock<int> l(1);
  {
    auto r1 = l.try_read();
    auto r2 = l.try_read();
    ASSERT_TRUE(r1 && r2);
    EXPECT_EQ(**r1 + **r2, 2);
    EXPECT_FALSE(l.try_write());
  }
  {
    auto w = l.try_write();
    ASSERT_TRUE(w);
    **w = 7;
    EXPECT_FALSE(l.try_read());
    EXPECT_FALSE(l.try_write());
  }
  auto r = l.try_read();
  EXPECT_EQ(**r, 7);
}

TEST(RwLock, WriterWaitsForReadersThenReadersWaitForWriter) {
  rwlock<std::vector<std::string>> l;
  auto early_reader = l.try_read();
  auto writer = [&]() -> edo::task<> {
    auto w = co_await l.write();
    w->push_back("writer");
  };
  auto late_reader = [&]() -> edo::task<> {
    co_await edo::yield_now();   // the writer is queued by now
    EXPECT_FALSE(l.try_read());  // write-preferring: no new reader passes a waiting writer
    auto r = co_await l.read();
    EXPECT_EQ(r->size(), 1u);  // ran after the writer
  };
  auto release = [&]() -> edo::task<> {
    co_await edo::yield_now();
    co_await edo::yield_now();
    early_reader.reset();
  };
  edo::block_on([&]() -> edo::task<> { co_await edo::join(writer(), late_reader(), release()); }());
  EXPECT_EQ(l.get_mut().size(), 1u);
}

TEST(RwLock, MaxReaders) {
  auto l = rwlock<int>::with_max_readers(2, 0);
  EXPECT_EQ(l.max_readers(), 2u);
  auto a = l.try_read();
  auto b = l.try_read();
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(l.try_read());
  b.reset();
  EXPECT_TRUE(l.try_read());
  EXPECT_THROW(rwlock<int>::with_max_readers(0, 0), std::invalid_argument);
}

TEST(RwLock, DowngradeKeepsWritersOutAndLetsReadersIn) {
  rwlock<int> l(0);
  auto w = l.try_write();
  **w = 3;
  auto r = std::move(*w).downgrade();
  EXPECT_EQ(*r, 3);
  EXPECT_FALSE(l.try_write());
  EXPECT_TRUE(l.try_read());
}

TEST(RwLock, CancelledWriterHandsItsPermitsOn) {
  rwlock<int> l(0);
  auto reader = l.try_read();
  std::vector<std::string> log;
  auto t = [&]() -> edo::task<> {
    auto writer_cancelled = [&]() -> edo::task<> {
      // Takes every free permit but one and waits for the reader; cancelled, it must
      // let the reader queued behind it in.
      EXPECT_FALSE(co_await completes_before_next_run(l.write()));
      log.push_back("writer cancelled");
    };
    auto queued_reader = [&]() -> edo::task<> {
      auto r = co_await l.read();
      log.push_back("reader");
    };
    co_await edo::join(writer_cancelled(), queued_reader());
  };
  edo::block_on(t());  // would hang if the queued reader were not let in
  ASSERT_EQ(log.size(), 2u);
  reader.reset();
  EXPECT_TRUE(l.try_write());
}

TEST(RwLock, WriteLockHandedToACancelledWaiterIsReleased) {
  rwlock<int> l(0);
  event_source other;
  auto held = l.try_read();
  auto t = [&]() -> edo::task<std::size_t> {
    auto fire_both = [&]() -> edo::task<> {
      co_await edo::yield_now();
      held.reset();
      other.fire(0);
    };
    auto [r, ignored] = co_await edo::join(edo::select(other.wait(), l.write()), fire_both());
    (void)ignored;
    co_return r.index();
  };
  EXPECT_EQ(edo::block_on(t()), 0u);
  EXPECT_TRUE(l.try_write());
}

TEST(RwLock, StressReadersAndWriters) {
  struct pair_t {
    long a = 0;
    long b = 0;
  };
  rwlock<pair_t> l;
  constexpr int threads = 4;
  constexpr int iters = 2000;
  std::atomic<int> torn{0};
  edo_test::run_threads(threads, [&](int id) {
    edo::block_on([&]() -> edo::task<> {
      for (int i = 0; i < iters; ++i) {
        if ((i + id) % 4 == 0) {
          auto w = co_await l.write();
          ++w->a;
          if (i % 16 == 0) co_await edo::yield_now();
          ++w->b;
        } else {
          auto r = co_await l.read();
          if (r->a != r->b) ++torn;
        }
        if (i % 101 == 0) co_await completes_before_next_run(l.write());
      }
    }());
  });
  EXPECT_EQ(torn.load(), 0);
  auto w = l.try_write();
  ASSERT_TRUE(w);
  EXPECT_EQ((*w)->a, threads * iters / 4);
  EXPECT_EQ((*w)->b, (*w)->a);
}

class RwLockRt : public edo_test::flavor_test {};

TEST_P(RwLockRt, ReadersAndWritersAcrossTasks) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = std::make_shared<rwlock<long>>(0);
    std::vector<edo::join_handle<void>> hs;
    for (int t = 0; t < 8; ++t) {
      hs.push_back(edo::spawn(
          [](std::shared_ptr<rwlock<long>> lk, int id) -> edo::task<> {
            for (int i = 0; i < 100; ++i) {
              if (id % 2 == 0) {
                auto w = co_await lk->write();
                ++*w;
              } else {
                auto r = co_await lk->read();
                EXPECT_GE(*r, 0);
                co_await edo::yield_now();
              }
            }
          },
          l, t));
    }
    for (auto& h : hs) co_await h;
    EXPECT_EQ(*co_await l->read(), 400);
  }());
}

INSTANTIATE_TEST_SUITE_P(All, RwLockRt, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
