// Runtime stress tests, bounded: fixed operation counts, never a sleep. Counts are smaller
// under the sanitizers (which slow everything 5-20x) but the interleavings are the same.
#include <edo/edo.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"
#include "support/test_event.hpp"

namespace {

using edo_test::event_source;

#if defined(EDO_ASAN) || defined(EDO_TSAN)
constexpr int scale_div = 10;
#else
constexpr int scale_div = 1;
#endif

class Stress : public edo_test::flavor_test {};

TEST_P(Stress, MillionTasksSpawnedFromSeveralThreads) {
  auto rt = make_runtime();
  auto handle = rt.handle();
  constexpr int threads = 4;
  const int per_thread = 250'000 / scale_div;
  std::atomic<long> ran{0};
  std::vector<std::thread> ths;
  std::atomic<long> joined{0};
  for (int i = 0; i < threads; ++i) {
    ths.emplace_back([&] {
      std::vector<edo::join_handle<void>> hs;
      hs.reserve(per_thread);
      for (int k = 0; k < per_thread; ++k) {
        hs.push_back(handle.spawn(
            [](std::atomic<long>* r) -> edo::task<> {
              r->fetch_add(1, std::memory_order_relaxed);
              co_return;
            },
            &ran));
      }
      // Await them from this (non-runtime) thread through block_on.
      handle.block_on(
          [](std::vector<edo::join_handle<void>>& v, std::atomic<long>& j) -> edo::task<> {
            for (auto& h : v) {
              co_await h;
              j.fetch_add(1, std::memory_order_relaxed);
            }
          }(hs, joined));
    });
  }
  for (auto& t : ths) t.join();
  EXPECT_EQ(ran.load(), static_cast<long>(threads) * per_thread);
  EXPECT_EQ(joined.load(), static_cast<long>(threads) * per_thread);
}

TEST_P(Stress, WakeStormFromForeignThreadsLosesNothing) {
  auto rt = make_runtime();
  constexpr int tasks = 64;
  const int per_task = 2000 / scale_div;
  std::vector<event_source> events(tasks);
  std::atomic<long> received{0};
  std::vector<std::thread> firers;
  rt.block_on([](std::vector<event_source>& evs, int n, std::atomic<long>& rec,
                 std::vector<std::thread>& fs) -> edo::task<> {
    std::vector<edo::join_handle<void>> hs;
    for (auto& e : evs) {
      hs.push_back(edo::spawn(
          [](event_source& ev, int k, std::atomic<long>& r) -> edo::task<> {
            for (int i = 0; i < k; ++i) {
              co_await ev.wait();
              r.fetch_add(1, std::memory_order_relaxed);
            }
          },
          std::ref(e), n, std::ref(rec)));
    }
    // Four foreign threads fire every event source, interleaved.
    for (int t = 0; t < 4; ++t) {
      fs.emplace_back([&evs, n, t] {
        for (int i = t; i < n * static_cast<int>(evs.size()); i += 4) {
          evs[static_cast<std::size_t>(i) % evs.size()].fire(i);
        }
      });
    }
    for (auto& h : hs) co_await h;
  }(events, per_task, received, firers));
  for (auto& f : firers) f.join();
  EXPECT_EQ(received.load(), static_cast<long>(tasks) * per_task);
}

TEST_P(Stress, AbortRacingWakeAndCompletion) {
  auto rt = make_runtime();
  const int rounds = 5000 / scale_div;
  int values = 0, cancels = 0;
  for (int r = 0; r < rounds; ++r) {
    event_source ev;
    auto h = rt.handle().spawn(
        [](event_source& e) -> edo::task<int> { co_return co_await e.wait(); }, std::ref(ev));
    std::thread firer([&] { ev.fire(r); });
    std::thread aborter([&] { h.abort(); });
    firer.join();
    aborter.join();
    const int outcome = rt.block_on([](edo::join_handle<int>& jh) -> edo::task<int> {
      try {
        co_return co_await jh;
      } catch (const edo::join_error& e) {
        co_return e.is_cancelled() ? -1 : -2;
      }
    }(h));
    ASSERT_NE(outcome, -2);
    if (outcome == -1) {
      ++cancels;
      // The fired value was never consumed: it is in the source (stored, or given back).
      EXPECT_EQ(ev.stored(), 1u);
    } else {
      ++values;
      EXPECT_EQ(outcome, r);
      EXPECT_EQ(ev.stored(), 0u);
    }
    EXPECT_EQ(ev.waiting(), 0u);
  }
  EXPECT_EQ(values + cancels, rounds);
}

TEST_P(Stress, MillionCrossTaskHandoffs) {
  auto rt = make_runtime();
  const int round_trips = 500'000 / scale_div;
  event_source ping, pong;
  const long sum = rt.block_on([](event_source& pi, event_source& po, int n) -> edo::task<long> {
    auto b = edo::spawn(
        [](event_source& in, event_source& out, int k) -> edo::task<> {
          for (int i = 0; i < k; ++i) out.fire(co_await in.wait() + 1);
        },
        std::ref(pi), std::ref(po), n);
    auto a = edo::spawn(
        [](event_source& out, event_source& in, int k) -> edo::task<long> {
          long s = 0;
          for (int i = 0; i < k; ++i) {
            out.fire(i);
            s += co_await in.wait();
          }
          co_return s;
        },
        std::ref(pi), std::ref(po), n);
    co_await b;
    co_return co_await a;
  }(ping, pong, round_trips));
  EXPECT_EQ(sum, static_cast<long>(round_trips) * (round_trips + 1) / 2);
}

TEST_P(Stress, ShutdownWhileBusy) {
  auto live = std::make_shared<int>(0);
  {
    auto rt = make_runtime();
    rt.block_on([](std::shared_ptr<int> l) -> edo::task<> {
      for (int i = 0; i < 200; ++i) {
        // Tasks that never stop: yielding loops that keep spawning short-lived children.
        edo::spawn(
            [](std::shared_ptr<int> ll) -> edo::task<> {
              for (;;) {
                edo::spawn(
                    [](std::shared_ptr<int> x) -> edo::task<> {
                      co_await edo::yield_now();
                      (void)x;
                    },
                    ll)
                    .detach();
                co_await edo::yield_now();
              }
            },
            l)
            .detach();
      }
      for (int i = 0; i < 100; ++i) co_await edo::yield_now();
    }(live));
  }  // shutdown with everything running: all cancelled, torn down, freed
  EXPECT_EQ(live.use_count(), 1);
}

INSTANTIATE_TEST_SUITE_P(Flavors, Stress, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
