// Task-locals follow the task across workers; spawn_local pins a task to its thread.
#include <edo/edo.hpp>
#include <edo/net/tcp.hpp>
#include <edo/sync/notify.hpp>
#include <edo/task_local.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "support/runtimes.hpp"

namespace {

using namespace std::chrono_literals;

edo::task_local<std::string> request_id;
edo::task_local<int> depth;

class RtLocal : public edo_test::flavor_test {};

edo::task<std::string> read_id() {
  co_await edo::yield_now();
  co_return request_id.get();
}

TEST_P(RtLocal, TaskLocalIsVisibleAcrossAwaitsAndBranches) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    EXPECT_EQ(request_id.try_get(), nullptr);
    auto inner = []() -> edo::task<> {
      EXPECT_EQ(request_id.get(), "req-1");
      for (int i = 0; i < 50; ++i) {
        co_await edo::yield_now();  // may resume on another worker
        EXPECT_EQ(request_id.get(), "req-1");
      }
      // Nested scopes shadow, then restore.
      auto n = co_await depth.scope(1, []() -> edo::task<int> {
        co_return co_await depth.scope(2, []() -> edo::task<int> { co_return depth.get(); }()) +
            depth.get();
      }());
      EXPECT_EQ(n, 3);
      EXPECT_EQ(depth.try_get(), nullptr);
      // join branches inherit the scope.
      auto [a, b] = co_await edo::join(read_id(), read_id());
      EXPECT_EQ(a, "req-1");
      EXPECT_EQ(b, "req-1");
      // A spawned task does not.
      auto h = edo::spawn([]() -> edo::task<bool> { co_return request_id.try_get() == nullptr; });
      EXPECT_TRUE(co_await h);
    };
    co_await request_id.scope("req-1", inner());
    EXPECT_EQ(request_id.try_get(), nullptr);
    EXPECT_THROW(request_id.get(), std::logic_error);
  }());
}

TEST_P(RtLocal, ConcurrentTasksSeeTheirOwnValues) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    std::vector<edo::join_handle<bool>> hs;
    for (int i = 0; i < 100; ++i) {
      hs.push_back(edo::spawn(
          [](int k) -> edo::task<bool> {
            co_return co_await depth.scope(k, []() -> edo::task<bool> {
              const int mine = depth.get();
              bool ok = true;
              for (int j = 0; j < 20; ++j) {
                co_await edo::yield_now();
                ok = ok && depth.get() == mine;
              }
              co_return ok;
            }());
          },
          i));
    }
    for (auto& h : hs) EXPECT_TRUE(co_await h);
  }());
}

TEST_P(RtLocal, SpawnLocalStaysOnItsThread) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    // From a worker: spawn a task that spawns pinned tasks and checks they never move.
    auto outer = edo::spawn([]() -> edo::task<bool> {
      const auto home = std::this_thread::get_id();
      std::vector<edo::join_handle<bool>> hs;
      for (int i = 0; i < 20; ++i) {
        hs.push_back(edo::spawn_local(
            [](std::thread::id h) -> edo::task<bool> {
              bool same = std::this_thread::get_id() == h;
              for (int j = 0; j < 50; ++j) {
                co_await edo::yield_now();
                same = same && std::this_thread::get_id() == h;
              }
              co_return same;
            },
            home));
      }
      bool all = true;
      for (auto& h : hs) all = all && co_await h;
      co_return all;
    });
    EXPECT_TRUE(co_await outer);
  }());
}

// Pinned tasks doing socket I/O: their readiness may be seen by whichever worker polls the
// driver, and the wake must still bring them back to their own thread (the pinned remote
// queue) — never lost, never run elsewhere.
TEST_P(RtLocal, SpawnLocalTasksDoingIoStayOnTheirThread) {
  constexpr int clients = 8;
  constexpr int trips = 100;
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto listener = co_await edo::net::tcp_listener::bind("127.0.0.1:0");
    const auto addr = listener.local_addr();
    auto server = edo::spawn([](edo::net::tcp_listener l) -> edo::task<> {
      std::vector<edo::join_handle<void>> sessions;
      for (int i = 0; i < clients; ++i) {
        auto [s, peer] = co_await l.accept();
        sessions.push_back(edo::spawn([](edo::net::tcp_stream c) -> edo::task<> {
          std::array<std::byte, 256> buf;
          for (;;) {
            const std::size_t k = co_await c.read(buf);
            if (k == 0) break;
            co_await c.write_all(std::span<const std::byte>(buf.data(), k));
          }
        }(std::move(s))));
      }
      for (auto& h : sessions) co_await h;
    }(std::move(listener)));
    auto outer = edo::spawn([](edo::net::socket_address a) -> edo::task<int> {
      const auto home = std::this_thread::get_id();
      std::vector<edo::join_handle<int>> hs;
      for (int i = 0; i < clients; ++i) {
        hs.push_back(edo::spawn_local(
            [](edo::net::socket_address to, std::thread::id h, int id) -> edo::task<int> {
              auto s = co_await edo::net::tcp_stream::connect(to);
              std::array<std::byte, 64> msg;
              msg.fill(static_cast<std::byte>(id));
              std::array<std::byte, 64> buf{};
              int good = 0;
              for (int j = 0; j < trips; ++j) {
                co_await s.write_all(msg);
                co_await s.read_exact(buf);
                if (buf == msg && std::this_thread::get_id() == h) ++good;
              }
              co_return good;
            },
            a, home, i));
      }
      int good = 0;
      for (auto& h : hs) good += co_await h;
      co_return good;
    }(addr));
    EXPECT_EQ(co_await outer, clients * trips);
    co_await server;
  }());
}

// A pinned task woken from another thread while its worker is parked: the worker is taken
// off the sleepers for it, and must then be counted exactly as a notified worker (one more
// searcher). It was not: the worker believed it searched, its end of searching took one
// from a count that had not been raised, and the corrupted count stopped every later
// notification — a task spawned from outside the workers then waited forever.
TEST(RtLocalWake, RemoteWakeOfAPinnedTaskKeepsTheIdleCountsRight) {
  auto rt = edo::runtime::builder::multi_thread().worker_threads(2).enable_all().build();
  for (int i = 0; i < 200; ++i) {
    edo::sync::notify go;
    rt.block_on([&]() -> edo::task<> {
      auto pinned = co_await edo::spawn([&]() -> edo::task<edo::join_handle<void>> {
        co_return edo::spawn_local([&]() -> edo::task<> { co_await go.notified(); });
      }());
      // The block_on thread is no worker: the wake goes through the pinned remote queue
      // (and, whenever the home worker has parked meanwhile, takes it off the sleepers).
      go.notify_one();
      co_await pinned;
      // Spawned from outside the workers: the inject queue, and a parked worker to wake.
      co_await edo::spawn([]() -> edo::task<> { co_return; }());
    }());
  }
}

TEST(RtLocalErrors, SpawnLocalNeedsAWorkerOnTheMultiThreadRuntime) {
  auto rt = edo::runtime::builder::multi_thread().worker_threads(2).enable_all().build();
  rt.block_on([]() -> edo::task<> {
    // The block_on thread is not a worker.
    EXPECT_THROW(edo::spawn_local([]() -> edo::task<> { co_return; }), std::logic_error);
    co_return;
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, RtLocal, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
