// Observability: task dumps (leaf and location for each kind of await), the stall detector,
// traces, task names and spawn locations, Prometheus metrics.
#include <edo/blocking.hpp>
#include <edo/edo.hpp>
#include <edo/sync/mpsc.hpp>
#include <edo/sync/mutex.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "edo-console/json.hpp"
#include "support/runtimes.hpp"

namespace {

using namespace std::chrono_literals;

class Observe : public edo_test::flavor_test {};

const edo::task_snapshot* find(const edo::runtime_dump& d, const std::string& name) {
  for (const auto& t : d.tasks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

edo::task<int> recv_one(edo::sync::mpsc::receiver<int>& rx) {
  auto v = co_await rx.recv();  // line of the channel await
  co_return v.value_or(-1);
}

TEST_P(Observe, DumpNamesTheLeafAndTheLocationOfEachAwait) {
  auto rt = make_runtime(/*paused=*/true);
  auto [tx, rx] = edo::sync::mpsc::channel<int>(1);
  auto mtx = std::make_shared<edo::sync::mutex<int>>(0);
  rt.block_on([](edo::sync::mpsc::receiver<int> r,
                 std::shared_ptr<edo::sync::mutex<int>> m) -> edo::task<> {
    edo::task_builder()
        .name("sleeper")
        .spawn([]() -> edo::task<> { co_await edo::time::sleep(1h); }())
        .detach();
    edo::task_builder()
        .name("reader")
        .spawn([](edo::sync::mpsc::receiver<int> rr) -> edo::task<> {
          co_await recv_one(rr);
        }(std::move(r)))
        .detach();
    auto held = co_await m->lock();  // the locker below waits for this guard
    edo::task_builder()
        .name("locker")
        .spawn([](std::shared_ptr<edo::sync::mutex<int>> mm) -> edo::task<> {
          auto g = co_await mm->lock();
        }(m))
        .detach();
    auto target = edo::spawn([]() -> edo::task<> { co_await edo::time::sleep(2h); });
    edo::task_builder()
        .name("joiner")
        .spawn([](edo::join_handle<void> h) -> edo::task<> { co_await h; }(std::move(target)))
        .detach();
    edo::task_builder()
        .name("joined")
        .spawn([]() -> edo::task<> {
          co_await edo::join(edo::time::sleep(3h), edo::time::sleep(4h));
        }())
        .detach();
    // Wait (no sleeping: by re-checking) until every one of them reached its await; on the
    // multi-thread runtime they run on the workers while this thread looks.
    edo::runtime_dump d;
    for (int round = 0;; ++round) {
      d = edo::runtime_handle::current().dump();
      int idle = 0;
      for (const char* n : {"sleeper", "reader", "locker", "joiner", "joined"}) {
        const edo::task_snapshot* t = find(d, n);
        idle += t != nullptr && t->state == edo::task_state::idle && !t->root.leaf.empty();
      }
      if (idle == 5 || round == 1'000'000) break;
      co_await edo::yield_now();
    }
    const std::string text = d.to_string();
    auto check = [&](const char* name, const char* leaf) {
      const edo::task_snapshot* t = find(d, name);
      ASSERT_NE(t, nullptr) << name << "\n" << text;
      EXPECT_EQ(t->state, edo::task_state::idle) << name;
      EXPECT_NE(t->root.leaf.find(leaf), std::string::npos) << name << ": " << t->root.leaf;
      EXPECT_NE(t->spawned_at.file.find("observe.cpp"), std::string::npos) << name;
      ASSERT_FALSE(t->root.frames.empty()) << name;
      EXPECT_NE(t->root.frames.front().file.find("observe.cpp"), std::string::npos) << name;
    };
    check("sleeper", "sleep");
    check("reader", "recv");
    check("locker", "mutex");
    check("joiner", "join_handle of task");
    check("joined", "join of 2");
    // The reader's chain: recv_one's await, then the task body's await of recv_one.
    const edo::task_snapshot* reader = find(d, "reader");
    if (reader != nullptr) {
      EXPECT_GE(reader->root.frames.size(), 2u) << text;
      if (!reader->root.frames.empty()) {
        EXPECT_NE(reader->root.frames[0].function.find("recv_one"), std::string::npos) << text;
      }
    }
    const edo::task_snapshot* joined = find(d, "joined");
    if (joined != nullptr) {
      EXPECT_EQ(joined->root.branches.size(), 2u) << text;
    }
    EXPECT_NE(text.find("[sleeper]"), std::string::npos);
    (void)held;
  }(std::move(rx), mtx));
}

TEST_P(Observe, StallDetectorFiresOnABlockingSleepNotOnAnAsyncOne) {
  std::mutex mu;
  std::vector<edo::long_poll_report> reports;
  auto b = GetParam() == edo_test::flavor::current_thread ? edo::runtime::builder::current_thread()
                                                          : edo::runtime::builder::multi_thread();
  if (GetParam() == edo_test::flavor::multi_thread) b.worker_threads(2);
  auto rt = b.enable_all()
                .warn_on_long_poll(40ms)
                .on_long_poll([&](const edo::long_poll_report& r) {
                  std::lock_guard lock(mu);
                  reports.push_back(r);
                })
                .build();
  rt.block_on([]() -> edo::task<> {
    co_await edo::task_builder().name("polite").spawn([]() -> edo::task<> {
      co_await edo::time::sleep(150ms);  // yields: never reported
    }());
    co_await edo::task_builder().name("culprit").spawn([]() -> edo::task<> {
      std::this_thread::sleep_for(300ms);  // blocks its worker: reported while it happens
      co_return;
    }());
  }());
  std::lock_guard lock(mu);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].task_name, "culprit");
  EXPECT_NE(reports[0].spawned_at.find("observe.cpp"), std::string::npos);
  EXPECT_GE(reports[0].running_for, 40ms);
}

TEST_P(Observe, TrackingCountsRuns) {
  auto b = GetParam() == edo_test::flavor::current_thread ? edo::runtime::builder::current_thread()
                                                          : edo::runtime::builder::multi_thread();
  auto rt = b.enable_all().enable_task_tracking().build();
  rt.block_on([]() -> edo::task<> {
    auto [tx, rx] = edo::sync::mpsc::channel<int>(1);
    edo::task_builder()
        .name("counter")
        .spawn([](edo::sync::mpsc::receiver<int> r) -> edo::task<> {
          while (co_await r.recv()) {
          }
        }(std::move(rx)))
        .detach();
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(co_await tx.send(i));
    // A run is counted when it ends. On one thread the capacity-1 channel makes the two
    // tasks alternate, so the counter has ended at least two runs once the sends are done.
    // On two workers it may still be inside a run that took every message: wait (bounded,
    // yielding) until it is idle again.
    const bool one_thread = edo::runtime_handle::current().metrics().num_workers == 1;
    edo::runtime_dump d;
    const edo::task_snapshot* t = nullptr;
    for (int i = 0; i < 100000; ++i) {
      d = edo::runtime_handle::current().dump();
      t = find(d, "counter");
      if (t == nullptr || (t->state == edo::task_state::idle && t->run_count >= 1)) break;
      co_await edo::yield_now();
    }
    CO_ASSERT_TRUE(t != nullptr);
    EXPECT_TRUE(t->tracked);
    EXPECT_EQ(t->state, edo::task_state::idle);
    EXPECT_GE(t->run_count, one_thread ? 2u : 1u);
  }());
}

TEST_P(Observe, TraceIsValidJsonWithRunsSpawnsAndWakes) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("edo_trace_" + std::to_string(::getpid()) + "_" +
                     std::to_string(static_cast<int>(GetParam())) + ".json");
  {
    auto b = GetParam() == edo_test::flavor::current_thread
                 ? edo::runtime::builder::current_thread()
                 : edo::runtime::builder::multi_thread();
    auto rt = b.enable_all().trace(path.string()).build();
    rt.block_on([]() -> edo::task<> {
      auto [tx, rx] = edo::sync::mpsc::channel<int>(1);
      auto h = edo::task_builder().name("traced").spawn(
          [](edo::sync::mpsc::receiver<int> r) -> edo::task<int> {
            int sum = 0;
            while (auto v = co_await r.recv()) sum += *v;
            co_return sum;
          }(std::move(rx)));
      co_await edo::spawn(
          [](edo::sync::mpsc::sender<int> s) -> edo::task<> {
            for (int i = 0; i < 3; ++i) EXPECT_TRUE(co_await s.send(i));
          },
          std::move(tx));
      co_await h;
      co_await edo::spawn_blocking([] { return 1; });
      // A name is any C string: bytes that are not UTF-8, quotes and control characters
      // must not break the file.
      co_await edo::task_builder().name("odd\xff\"name\n").spawn([]() -> edo::task<> {
        co_return;
      }());
    }());
  }  // shutdown writes the trace
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string json = ss.str();
  std::filesystem::remove(path);
  ASSERT_FALSE(json.empty());
  std::string error;
  EXPECT_TRUE(edo_console::json::parse(json, error).is_object()) << error << "\n"
                                                                 << json.substr(0, 2000);
  EXPECT_NE(json.find("\"traceEvents\""), std::string::npos);
  EXPECT_NE(json.find("\"name\":\"traced\""), std::string::npos);
  EXPECT_NE(json.find("\"ph\":\"X\""), std::string::npos);
  EXPECT_NE(json.find("\"cat\":\"spawn\""), std::string::npos);
  EXPECT_NE(json.find("\"cat\":\"wake\""), std::string::npos);
  EXPECT_NE(json.find("\"cat\":\"blocking\""), std::string::npos);
  // Flow arrows start at a spawn or wake and end at the target's next run.
  EXPECT_NE(json.find("\"ph\":\"s\""), std::string::npos);
  EXPECT_NE(json.find("\"ph\":\"f\""), std::string::npos);
  EXPECT_NE(json.find("\"bp\":\"e\""), std::string::npos);
  EXPECT_NE(json.find("\"name\":\"odd\\ufffd\\\"name\\n\""), std::string::npos);
  EXPECT_EQ(json.find('\xff'), std::string::npos);
}

TEST_P(Observe, PrometheusText) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    for (int i = 0; i < 10; ++i) co_await edo::spawn([]() -> edo::task<> { co_return; });
  }());
  const std::string text = edo::to_prometheus(rt.metrics());
  EXPECT_NE(text.find("# TYPE edo_alive_tasks gauge"), std::string::npos);
  EXPECT_NE(text.find("edo_worker_polls_total{worker=\"0\"}"), std::string::npos);
  // Every sample line is "name{labels} value" or "name value".
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_EQ(std::count(line.begin(), line.end(), ' '), 1) << line;
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, Observe, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
