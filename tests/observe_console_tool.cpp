// edo-console (tools/edo-console) against live runtimes: `--once` prints the workers and the
// task table (and `--task ID` one task's await chain); the live view, driven through tmux,
// shows the table, sorts, opens a task's details and restores the terminal on q and on
// SIGINT; and it shows the tasks of the observe example while that example runs.
//
// Waiting: the tool and tmux are other processes, so the tests poll for what they expect (a
// pane capture, a line of output) with a bounded number of short waits — never a fixed
// sleep that assumes how long they take.
#include <edo/edo.hpp>
#include <edo/sync/mpsc.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "edo-console/json.hpp"
#include "support/console_client.hpp"
#include "support/runtimes.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;

const std::string console_exe = EDO_CONSOLE_EXE;

struct command_result {
  int status = -1;  // the exit code, or 128 + the signal
  std::string out;  // stdout and stderr
};

// Runs `cmd` through the shell and waits for it (tools that exit on their own).
command_result run(const std::string& cmd) {
  command_result r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

// `s` as one shell word.
std::string quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The await the stuck tasks are suspended at: recv_line is the line of that co_await.
constexpr std::uint32_t recv_line = __LINE__ + 2;
edo::task<std::optional<int>> wait_here(edo::sync::mpsc::receiver<int>& rx) {
  co_return co_await rx.recv();
}
edo::task<> stuck_body(edo::sync::mpsc::receiver<int> rx) {
  co_await wait_here(rx);
}
edo::task<> sleeper_body() {
  co_await edo::time::sleep(1h);
}
edo::task<> ticking_body() {
  for (;;) co_await edo::time::sleep(20ms);
}

// A multi-thread runtime serving the console, with a stuck task, a sleeper and a ticking
// task named `prefix`-stuck, -sleeper, -ticker (spawned in that order).
struct live_runtime {
  std::string path = edo_test::console_socket_path("tool");
  edo::runtime rt =
      edo::runtime::builder::multi_thread().worker_threads(2).enable_all().console(path).build();
  std::uint64_t stuck_id = 0;  // (before tx: start() sets it)
  edo::sync::mpsc::sender<int> tx;

  explicit live_runtime(const std::string& prefix) : tx(start(prefix)) {}

  edo::sync::mpsc::sender<int> start(const std::string& prefix) {
    auto [s, r] = edo::sync::mpsc::channel<int>(1);
    stuck_id = rt.block_on([](std::string p,
                              edo::sync::mpsc::receiver<int> rx) -> edo::task<std::uint64_t> {
      edo::task_builder().name(p + "-stuck").spawn(stuck_body(std::move(rx))).detach();
      edo::task_builder().name(p + "-sleeper").spawn(sleeper_body()).detach();
      edo::task_builder().name(p + "-ticker").spawn(ticking_body()).detach();
      // Until the stuck task is idle at its await (re-checking between yields).
      for (int round = 0; round < 1'000'000; ++round) {
        for (const auto& t : edo::runtime_handle::current().dump().tasks) {
          if (t.name == p + "-stuck" && t.state == edo::task_state::idle && !t.root.leaf.empty()) {
            co_return t.id;
          }
        }
        co_await edo::yield_now();
      }
      co_return 0;
    }(prefix, std::move(r)));
    return std::move(s);
  }
};

TEST(ConsoleTool, OncePrintsTheTable) {
  live_runtime live("once");
  ASSERT_NE(live.stuck_id, 0u);
  const command_result r = run(quote(console_exe) + " --once " + quote(live.path));
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* s :
       {"WORKER", "POLLS", "STEALS", "PARKS", "BUSY", "ID ^", "NAME", "STATE", "RUNS", "LAST RAN",
        "WAITING ON", "once-stuck", "once-sleeper", "once-ticker", "multi_thread"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("observe_console_tool.cpp:" + std::to_string(recv_line)), std::string::npos)
      << r.out;
  // Sorted by name, descending: ticker, stuck, sleeper.
  const command_result sorted =
      run(quote(console_exe) + " --once --sort name --reverse " + quote(live.path));
  ASSERT_EQ(sorted.status, 0) << sorted.out;
  EXPECT_NE(sorted.out.find("NAME v"), std::string::npos) << sorted.out;
  const auto ticker = sorted.out.find("once-ticker");
  const auto stuck = sorted.out.find("once-stuck");
  const auto sleeper = sorted.out.find("once-sleeper");
  EXPECT_LT(ticker, stuck) << sorted.out;
  EXPECT_LT(stuck, sleeper) << sorted.out;

  const command_result task = run(quote(console_exe) + " --once --task " +
                                  std::to_string(live.stuck_id) + " " + quote(live.path));
  ASSERT_EQ(task.status, 0) << task.out;
  EXPECT_NE(task.out.find("task " + std::to_string(live.stuck_id) + " [once-stuck]"),
            std::string::npos)
      << task.out;
  EXPECT_NE(task.out.find("waiting on"), std::string::npos) << task.out;
  EXPECT_NE(task.out.find("observe_console_tool.cpp:" + std::to_string(recv_line) + " in"),
            std::string::npos)
      << task.out;
  EXPECT_NE(task.out.find("wait_here"), std::string::npos) << task.out;
  EXPECT_NE(task.out.find("stuck_body"), std::string::npos) << task.out;

  const command_result json = run(quote(console_exe) + " --json " + quote(live.path));
  ASSERT_EQ(json.status, 0) << json.out;
  std::string error;
  (void)edo_console::json::parse(json.out, error);
  EXPECT_TRUE(error.empty()) << error << "\n" << json.out;

  const command_result gone =
      run(quote(console_exe) + " --once --task 999999999 " + quote(live.path));
  EXPECT_EQ(gone.status, 1) << gone.out;
  EXPECT_NE(gone.out.find("no live task"), std::string::npos) << gone.out;
  const command_result nobody = run(quote(console_exe) + " --once /nonexistent-dir/edo.sock");
  EXPECT_EQ(nobody.status, 1) << nobody.out;
  EXPECT_NE(nobody.out.find("cannot connect"), std::string::npos) << nobody.out;
  const command_result usage = run(quote(console_exe) + " --bogus");
  EXPECT_EQ(usage.status, 2) << usage.out;
}

// A tmux server of our own (-L: its own socket), killed with the test.
class tmux_server {
 public:
  tmux_server() : name_("edo-test-" + std::to_string(::getpid())) {}
  ~tmux_server() { run("tmux -L " + name_ + " kill-server"); }
  command_result operator()(const std::string& args) const {
    return run("tmux -L " + name_ + " " + args);
  }
  std::string capture(const std::string& session) const {
    return (*this)("capture-pane -p -t " + session).out;
  }
  // Polls the pane until `want` holds for its text: up to ~30 s in 50 ms steps (the tool and
  // tmux are other processes; under the sanitizers they start slowly).
  bool wait_for(const std::string& session, const std::function<bool(const std::string&)>& want,
                std::string& last) const {
    for (int i = 0; i < 600; ++i) {
      last = capture(session);
      if (want(last)) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  bool wait_for_text(const std::string& session, const std::string& text, std::string& last) const {
    return wait_for(
        session, [&](const std::string& s) { return s.find(text) != std::string::npos; }, last);
  }

 private:
  std::string name_;
};

bool have_tmux() {
  return run("tmux -V").status == 0;
}

TEST(ConsoleTool, LiveViewThroughTmux) {
  if (!have_tmux()) GTEST_SKIP() << "tmux is not installed (tools/deps.sh test installs it)";
  live_runtime live("tmux");
  ASSERT_NE(live.stuck_id, 0u);
  tmux_server tmux;
  // After the tool exits, the pane's shell says how it exited and whether the terminal is
  // back in canonical mode, then waits (so that the pane can be captured). The shell traps
  // SIGINT so that Ctrl-C ends only the tool (the trap is not inherited across exec).
  const std::string cmd = "trap : INT; " + quote(console_exe) + " " + quote(live.path) +
                          "; echo edo-console-exited-$?; "
                          "if stty -a | grep -q -- ' -icanon'; then echo tty-raw; "
                          "else echo tty-cooked; fi; read x";
  ASSERT_EQ(tmux("new-session -d -s view -x 160 -y 40 " + quote(cmd)).status, 0);
  std::string pane;
  ASSERT_TRUE(tmux.wait_for(
      "view",
      [](const std::string& s) {
        return s.find("tmux-stuck") != std::string::npos &&
               s.find("tmux-sleeper") != std::string::npos && s.find("WORKER") != std::string::npos;
      },
      pane))
      << pane;
  EXPECT_NE(pane.find("ID ^"), std::string::npos) << pane;
  EXPECT_NE(pane.find("POLLS"), std::string::npos) << pane;
  EXPECT_NE(pane.find("WAITING ON"), std::string::npos) << pane;

  // Sort by name (key 2), select the first row (Home: tmux-sleeper) and open it.
  ASSERT_EQ(tmux("send-keys -t view 2").status, 0);
  ASSERT_TRUE(tmux.wait_for_text("view", "NAME ^", pane)) << pane;
  ASSERT_EQ(tmux("send-keys -t view Home Down").status, 0);  // sleeper, then stuck
  ASSERT_EQ(tmux("send-keys -t view Enter").status, 0);
  const std::string title = "task " + std::to_string(live.stuck_id) + " [tmux-stuck]";
  ASSERT_TRUE(tmux.wait_for_text("view", title, pane)) << pane;
  EXPECT_NE(pane.find("waiting on"), std::string::npos) << pane;
  EXPECT_NE(pane.find("observe_console_tool.cpp:" + std::to_string(recv_line) + " in"),
            std::string::npos)
      << pane;
  EXPECT_NE(pane.find("wait_here"), std::string::npos) << pane;
  EXPECT_EQ(pane.find("WORKER"), std::string::npos) << pane;  // the table is gone

  // Esc goes back to the table; q quits, leaving the alternate screen and raw mode.
  ASSERT_EQ(tmux("send-keys -t view Escape").status, 0);
  ASSERT_TRUE(tmux.wait_for_text("view", "WORKER", pane)) << pane;
  ASSERT_EQ(tmux("send-keys -t view q").status, 0);
  ASSERT_TRUE(tmux.wait_for_text("view", "tty-", pane)) << pane;
  EXPECT_NE(pane.find("edo-console-exited-0"), std::string::npos) << pane;
  EXPECT_NE(pane.find("tty-cooked"), std::string::npos) << pane;
  EXPECT_EQ(pane.find("WORKER"), std::string::npos) << pane;

  // Ctrl-C: SIGINT restores the terminal too, then ends the tool by the signal (130).
  ASSERT_EQ(tmux("new-session -d -s intr -x 160 -y 40 " + quote(cmd)).status, 0);
  ASSERT_TRUE(tmux.wait_for_text("intr", "tmux-stuck", pane)) << pane;
  ASSERT_EQ(tmux("send-keys -t intr C-c").status, 0);
  ASSERT_TRUE(tmux.wait_for_text("intr", "tty-", pane)) << pane;
  EXPECT_NE(pane.find("edo-console-exited-130"), std::string::npos) << pane;
  EXPECT_NE(pane.find("tty-cooked"), std::string::npos) << pane;
}

#ifdef EDO_OBSERVE_EXAMPLE
// The observe example with --serve: edo-console shows its stuck, blocking and healthy tasks.
TEST(ConsoleTool, ShowsTheTasksOfTheObserveExample) {
  const std::string path = edo_test::console_socket_path("example");
  int out[2];
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  std::string exe = EDO_OBSERVE_EXAMPLE, serve = "--serve", where = path, secs = "--seconds",
              seconds = "60";
  char* argv[] = {exe.data(), serve.data(), where.data(), secs.data(), seconds.data(), nullptr};
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  // Its first line says the console is up and SIGTERM is handled (bounded wait: 60 s).
  std::string text;
  for (int i = 0; i < 600 && text.find('\n') == std::string::npos; ++i) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      char buf[1024];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
  }
  ASSERT_NE(text.find("serving the console on " + path), std::string::npos) << text;

  const command_result r = run(quote(console_exe) + " --once " + quote(path));
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* s : {"order-consumer", "blocker", "ticker", "pinger", "ponger", "recv_awaitable",
                        "observe.cpp:"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  // The consumer's details: its whole await chain.
  std::string id;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("order-consumer") != std::string::npos) std::istringstream(line) >> id;
  }
  const command_result d = run(quote(console_exe) + " --once --task " + id + " " + quote(path));
  EXPECT_EQ(d.status, 0) << d.out;
  EXPECT_NE(d.out.find("wait_for_order"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("consume_orders"), std::string::npos) << d.out;

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  ssize_t n = 0;
  int st = 0;
  ASSERT_EQ(::waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  std::string rest;
  for (char buf[4096]; (n = ::read(out[0], buf, sizeof buf)) > 0;) {
    rest.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  // It stopped because of the signal, not its time limit (a lost signal would only show as
  // a slow test otherwise).
  EXPECT_NE(rest.find("stopped (SIGTERM)"), std::string::npos) << rest;
  EXPECT_FALSE(std::filesystem::exists(path));  // removed at the example's shutdown
}
#endif

}  // namespace
