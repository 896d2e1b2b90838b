// The live console's protocol (docs/console.md) over its Unix socket, on both runtime
// flavors: snapshots are valid JSON naming each task, its state and its await chain with
// locations; `task <id>`; errors are answered with an error line; the socket file comes and
// goes with the runtime; shutdown never waits for a client; the console answers while every
// worker is blocked.
#include <edo/edo.hpp>
#include <edo/sync/mpsc.hpp>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <thread>
#include <vector>

#include "edo-console/json.hpp"
#include "support/console_client.hpp"
#include "support/runtimes.hpp"

namespace {

using namespace std::chrono_literals;
using edo_console::json;
using edo_test::console_conn;

class Console : public edo_test::flavor_test {
 protected:
  edo::runtime make_console_runtime(const std::string& path) const {
    auto b = GetParam() == edo_test::flavor::current_thread
                 ? edo::runtime::builder::current_thread()
                 : edo::runtime::builder::multi_thread();
    b.enable_all().console(path);
    if (GetParam() == edo_test::flavor::multi_thread) b.worker_threads(2);
    return b.build();
  }
};

json parse(const std::optional<std::string>& line) {
  if (!line) {
    ADD_FAILURE() << "no answer";
    return {};
  }
  std::string error;
  json j = json::parse(*line, error);
  EXPECT_TRUE(error.empty()) << error << "\n" << *line;
  return j;
}

const json* find_task(const json& snapshot, const std::string& name) {
  for (const json& t : snapshot["tasks"].elements()) {
    if (t["name"].str() == name) return &t;
  }
  return nullptr;
}

// The await the stuck task is suspended at: recv_line is the line of that co_await.
constexpr std::uint32_t recv_line = __LINE__ + 2;
edo::task<std::optional<int>> wait_here(edo::sync::mpsc::receiver<int>& rx) {
  co_return co_await rx.recv();
}
edo::task<> stuck_body(edo::sync::mpsc::receiver<int> rx) {
  co_await wait_here(rx);
}
edo::task<> joined_body() {
  co_await edo::join(edo::time::sleep(1h), edo::time::sleep(2h));
}
edo::task<> sleep_body() {
  co_await edo::time::sleep(1h);
}

const std::string weird_name = "we\"ird\\name\n\x01\xff-\xc3\xa9";

// Spawns the named tasks and returns once each one is idle at its await (re-checking the
// dump between yields: no sleeping).
void start_tasks(edo::runtime& rt, edo::sync::mpsc::receiver<int> rx) {
  rt.block_on([](edo::sync::mpsc::receiver<int> r) -> edo::task<> {
    edo::task_builder().name("stuck").spawn(stuck_body(std::move(r))).detach();
    edo::task_builder().name("joined").spawn(joined_body()).detach();
    edo::task_builder().name(weird_name).spawn(sleep_body()).detach();
    for (int round = 0; round < 1'000'000; ++round) {
      const auto d = edo::runtime_handle::current().dump();
      int idle = 0;
      for (const auto& t : d.tasks)
        idle += t.state == edo::task_state::idle && !t.root.leaf.empty();
      if (idle == 3) break;
      co_await edo::yield_now();
    }
  }(std::move(rx)));
}

TEST_P(Console, SnapshotNamesTasksStatesAndAwaitLocations) {
  const std::string path = edo_test::console_socket_path("snap");
  auto rt = make_console_runtime(path);
  ASSERT_TRUE(std::filesystem::exists(path));  // listening once build() returns
  auto [tx, rx] = edo::sync::mpsc::channel<int>(1);
  start_tasks(rt, std::move(rx));

  console_conn c(path);
  ASSERT_TRUE(c.connected());
  const json s = parse(c.ask("snapshot"));
  EXPECT_TRUE(s["ok"].boolean());
  EXPECT_EQ(s["type"].str(), "snapshot");
  EXPECT_EQ(s["protocol"].u64(), 1u);
  EXPECT_EQ(s["pid"].u64(), static_cast<std::uint64_t>(::getpid()));
  EXPECT_EQ(s["flavor"].str(),
            GetParam() == edo_test::flavor::multi_thread ? "multi_thread" : "current_thread");
  const json& m = s["metrics"];
  EXPECT_EQ(m["workers"].u64(), GetParam() == edo_test::flavor::multi_thread ? 2u : 1u);
  EXPECT_EQ(m["worker"].size(), m["workers"].u64());
  EXPECT_GE(m["alive_tasks"].u64(), 3u);
  EXPECT_GT(m["worker"][0]["polls"].u64() + m["worker"][1]["polls"].u64(), 0u);

  const json* stuck = find_task(s, "stuck");
  ASSERT_NE(stuck, nullptr);
  EXPECT_EQ((*stuck)["state"].str(), "idle");
  EXPECT_TRUE((*stuck)["tracked"].boolean());  // the console implies task tracking
  EXPECT_GE((*stuck)["runs"].u64(), 1u);
  EXPECT_NE((*stuck)["spawned_at"]["file"].str().find("observe_console.cpp"), std::string::npos);
  const json& w = (*stuck)["waiting"];
  EXPECT_NE(w["leaf"].str().find("recv"), std::string::npos) << w["leaf"].str();
  ASSERT_GE(w["frames"].size(), 2u);
  EXPECT_NE(w["frames"][0]["file"].str().find("observe_console.cpp"), std::string::npos);
  EXPECT_EQ(w["frames"][0]["line"].u64(), recv_line);
  EXPECT_NE(w["frames"][0]["function"].str().find("wait_here"), std::string::npos);
  EXPECT_NE(w["frames"][1]["function"].str().find("stuck_body"), std::string::npos);

  const json* joined = find_task(s, "joined");
  ASSERT_NE(joined, nullptr);
  EXPECT_NE((*joined)["waiting"]["leaf"].str().find("join of 2"), std::string::npos);
  ASSERT_EQ((*joined)["waiting"]["branches"].size(), 2u);
  EXPECT_NE((*joined)["waiting"]["branches"][0]["leaf"].str().find("sleep"), std::string::npos);

  // The name went through JSON escaping; the byte that is not UTF-8 became U+FFFD.
  EXPECT_NE(find_task(s, "we\"ird\\name\n\x01\xef\xbf\xbd-\xc3\xa9"), nullptr) << weird_name;
  EXPECT_FALSE(tx.is_closed());  // the sender kept the stuck task waiting until here
}

TEST_P(Console, TaskRequestAndErrors) {
  const std::string path = edo_test::console_socket_path("task");
  auto rt = make_console_runtime(path);
  auto [tx, rx] = edo::sync::mpsc::channel<int>(1);
  start_tasks(rt, std::move(rx));
  console_conn c(path);
  ASSERT_TRUE(c.connected());
  const json s = parse(c.ask("snapshot"));
  const json* stuck = find_task(s, "stuck");
  ASSERT_NE(stuck, nullptr);
  const std::uint64_t id = (*stuck)["id"].u64();

  const json t = parse(c.ask("task " + std::to_string(id)));
  EXPECT_TRUE(t["ok"].boolean());
  EXPECT_EQ(t["type"].str(), "task");
  EXPECT_EQ(t["task"]["id"].u64(), id);
  EXPECT_EQ(t["task"]["name"].str(), "stuck");
  EXPECT_EQ(t["task"]["waiting"]["frames"][0]["line"].u64(), recv_line);

  // Bad requests get an error line, and the connection goes on.
  for (const char* bad : {"bogus", "task", "task abc", "task -1", "task 18446744073709551615",
                          "task 99999999999999999999", "snapshot please", "\x01\xff"}) {
    const json e = parse(c.ask(bad));
    EXPECT_FALSE(e["ok"].boolean()) << bad;
    EXPECT_FALSE(e["error"].str().empty()) << bad;
  }
  // Blank lines are ignored; pipelined requests are answered in order; CRLF is accepted.
  ASSERT_TRUE(c.send_raw("\n  \nhello\r\nmetrics\nsnapshot\n"));
  EXPECT_EQ(parse(c.read_line())["type"].str(), "hello");
  EXPECT_EQ(parse(c.read_line())["type"].str(), "metrics");
  EXPECT_EQ(parse(c.read_line())["type"].str(), "snapshot");

  // An over-long request: an error line, then the server closes that connection only.
  ASSERT_TRUE(c.send_raw(std::string(5000, 'x')));
  const json e = parse(c.read_line());
  EXPECT_FALSE(e["ok"].boolean());
  EXPECT_NE(e["error"].str().find("longer"), std::string::npos);
  EXPECT_TRUE(c.closed_by_server());
  console_conn again(path);
  EXPECT_TRUE(parse(again.ask("hello"))["ok"].boolean());
}

TEST_P(Console, SocketFileIsRemovedAtShutdownAndShutdownDoesNotWaitForClients) {
  const std::string path = edo_test::console_socket_path("shut");
  std::optional<console_conn> idle, partial, greedy;
  {
    auto rt = make_console_runtime(path);
    auto [tx, rx] = edo::sync::mpsc::channel<int>(1);
    start_tasks(rt, std::move(rx));
    idle.emplace(path);
    partial.emplace(path);
    greedy.emplace(path);
    ASSERT_TRUE(idle->connected() && partial->connected() && greedy->connected());
    EXPECT_TRUE(parse(idle->ask("hello"))["ok"].boolean());
    ASSERT_TRUE(partial->send_raw("snaps"));  // half a request
    // Many snapshot requests, never read: the server holds one answer at a time for it.
    std::string many;
    for (int i = 0; i < 2000; ++i) many += "snapshot\n";
    ASSERT_TRUE(greedy->send_raw(many));
    EXPECT_TRUE(std::filesystem::exists(path));
  }  // shutdown with three clients connected: returns (a hang would hit the test's timeout)
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(idle->closed_by_server());
  EXPECT_TRUE(partial->closed_by_server());
  EXPECT_TRUE(greedy->closed_by_server());
}

TEST_P(Console, AnswersWhileEveryWorkerIsBlocked) {
  const std::string path = edo_test::console_socket_path("blocked");
  auto rt = make_console_runtime(path);
  const int hogs = GetParam() == edo_test::flavor::multi_thread ? 2 : 1;
  std::latch started(hogs);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // The client runs on its own thread: the hogs block every thread that runs tasks (on the
  // current-thread runtime, the one inside block_on).
  std::thread client([&] {
    started.wait();
    console_conn c(path);
    const json s = parse(c.ask("snapshot"));
    int running = 0;
    for (const json& t : s["tasks"].elements()) {
      if (t["name"].str() == "hog") {
        ++running;
        EXPECT_EQ(t["state"].str(), "running");
        EXPECT_TRUE(t["waiting"].is_null());
      }
    }
    EXPECT_EQ(running, hogs);
    release.set_value();
  });
  rt.block_on([](int n, std::latch& st, std::shared_future<void> rel) -> edo::task<> {
    std::vector<edo::join_handle<void>> hs;
    for (int i = 0; i < n; ++i) {
      hs.push_back(edo::task_builder().name("hog").spawn(
          [](std::latch& s, std::shared_future<void> r) -> edo::task<> {
            s.count_down();
            r.wait();  // blocks its worker until the client has its snapshot
            co_return;
          }(st, rel)));
    }
    for (auto& h : hs) co_await h;
  }(hogs, started, released));
  client.join();
}

TEST_P(Console, ManyClientsAndTheLimit) {
  const std::string path = edo_test::console_socket_path("many");
  auto rt = make_console_runtime(path);
  std::vector<std::unique_ptr<console_conn>> conns;
  for (int i = 0; i < 16; ++i) {
    conns.push_back(std::make_unique<console_conn>(path));
    ASSERT_TRUE(conns.back()->connected());
    EXPECT_TRUE(parse(conns.back()->ask("hello"))["ok"].boolean());  // each one is accepted
  }
  console_conn extra(path);
  ASSERT_TRUE(extra.connected());  // the kernel accepts it; the server refuses it
  const json e = parse(extra.read_line());
  EXPECT_FALSE(e["ok"].boolean());
  EXPECT_NE(e["error"].str().find("too many"), std::string::npos);
  EXPECT_TRUE(extra.closed_by_server());
  conns.pop_back();  // room for one more once the server noticed the close
  for (int round = 0;; ++round) {
    ASSERT_LT(round, 1000) << "the server never freed the closed client's slot";
    console_conn late(path);
    const json j = parse(late.ask("hello"));
    if (j["ok"].boolean()) break;
  }
}

TEST_P(Console, PathErrors) {
  // A regular file is not replaced; a path too long for sockaddr_un is refused.
  const std::string path = edo_test::console_socket_path("file");
  std::ofstream(path) << "not a socket";
  EXPECT_THROW(make_console_runtime(path), std::system_error);
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
  std::filesystem::remove(path);
  EXPECT_THROW(make_console_runtime("/tmp/" + std::string(200, 'x')), std::system_error);
  EXPECT_THROW(make_console_runtime("/nonexistent-dir/edo.sock"), std::system_error);

  // A stale socket file (its server died without removing it) is replaced.
  const std::string stale = edo_test::console_socket_path("stale");
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, stale.data(), stale.size());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    ::close(fd);  // the file stays
  }
  {
    auto rt = make_console_runtime(stale);
    console_conn c(stale);
    EXPECT_TRUE(parse(c.ask("hello"))["ok"].boolean());
    // A live server is not replaced.
    EXPECT_THROW(make_console_runtime(stale), std::system_error);
    console_conn c2(stale);
    EXPECT_TRUE(parse(c2.ask("hello"))["ok"].boolean());
  }
  EXPECT_FALSE(std::filesystem::exists(stale));
}

TEST_P(Console, EnvironmentVariable) {
  const std::string path = edo_test::console_socket_path("env");
  ::setenv("EDO_CONSOLE", path.c_str(), 1);
  {
    auto rt = make_runtime();  // no .console(): EDO_CONSOLE turns it on
    console_conn c(path);
    const json s = parse(c.ask("snapshot"));
    EXPECT_TRUE(s["ok"].boolean());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  // A path it cannot use is reported on stderr, and the runtime runs without the console.
  ::setenv("EDO_CONSOLE", "/nonexistent-dir/edo.sock", 1);
  {
    auto rt = make_runtime();
    EXPECT_EQ(rt.block_on([]() -> edo::task<int> { co_return 7; }()), 7);
  }
  ::unsetenv("EDO_CONSOLE");
}

INSTANTIATE_TEST_SUITE_P(Flavors, Console, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
