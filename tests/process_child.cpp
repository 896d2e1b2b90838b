// edo::process: output capture, piped stdin/stdout, exit codes and signals, kill,
// kill_on_drop, background reaping, env and cwd, errors, SIGPIPE, close-on-exec. Both
// runtime flavors; no descriptor may leak.
#include <edo/blocking.hpp>
#include <edo/edo.hpp>
#include <edo/io/buf_reader.hpp>
#include <edo/io/util.hpp>
#include <edo/net/tcp.hpp>
#include <edo/process.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <set>
#include <sstream>
#include <string>

#include "support/io_test.hpp"

namespace {

using edo::process::command;
using edo::process::stdio;

class Process : public edo_test::io_flavor_test {};

TEST_P(Process, OutputCapturesStdoutStderrAndStatus) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto out = co_await command("sh").arg("-c").arg("echo out; echo err >&2; exit 3").output();
    EXPECT_EQ(out.out, "out\n");
    EXPECT_EQ(out.err, "err\n");
    EXPECT_EQ(out.status.code(), 3);
    EXPECT_FALSE(out.status.success());
    auto ok = co_await command("echo").arg("hello").output();
    EXPECT_TRUE(ok.status.success());
    EXPECT_EQ(ok.out, "hello\n");
  }());
}

TEST_P(Process, CatThroughPipes) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto child = command("cat").set_stdin(stdio::piped()).set_stdout(stdio::piped()).spawn();
    EXPECT_TRUE(child.id().has_value());
    auto in = *child.take_stdin();
    auto out = *child.take_stdout();
    EXPECT_FALSE(child.take_stdin().has_value());
    // 1 MiB each way: more than a pipe holds, so writing and reading must overlap.
    std::string data;
    for (int i = 0; data.size() < (1 << 20); ++i) data += std::to_string(i) + "\n";
    auto [ignored, echoed] = co_await edo::join(
        [](edo::process::child_stdin w, const std::string& d) -> edo::task<> {
          co_await w.write_all(d);
          co_await w.shutdown();  // EOF: cat ends
        }(std::move(in), data),
        [](edo::process::child_output r) -> edo::task<std::string> {
          std::string s;
          co_await edo::io::read_to_string(r, s);
          co_return s;
        }(std::move(out)));
    EXPECT_EQ(echoed, data);
    const auto st = co_await child.wait();
    EXPECT_TRUE(st.success());
    EXPECT_FALSE(child.id().has_value());  // reaped
  }());
}

TEST_P(Process, ExitCodesAndSignals) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    EXPECT_EQ((co_await command("sh").arg("-c").arg("exit 0").status()).code(), 0);
    EXPECT_EQ((co_await command("sh").arg("-c").arg("exit 42").status()).code(), 42);
    const auto killed = co_await command("sh").arg("-c").arg("kill -TERM $$").status();
    EXPECT_EQ(killed.signal(), SIGTERM);
    EXPECT_FALSE(killed.code().has_value());
  }());
}

TEST_P(Process, KillTryWaitAndWait) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto child = command("sleep").arg("1000").spawn();
    EXPECT_FALSE(child.try_wait().has_value());
    // wait() is cancel safe: cancel one, the child is still there.
    auto r = co_await edo::select(child.wait(), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    EXPECT_TRUE(child.id().has_value());
    const auto st = co_await child.kill();
    EXPECT_EQ(st.signal(), SIGKILL);
    EXPECT_EQ(child.try_wait(), st);
    child.start_kill();  // reaped: nothing to do
  }());
}

int pidfd_of(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

TEST_P(Process, KillOnDropKillsAndReaps) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    pid_t pid;
    int watch;
    {
      auto child = command("sleep").arg("1000").kill_on_drop(true).spawn();
      pid = *child.id();
      watch = pidfd_of(pid);
    }
    // Our own pidfd becomes readable when the child has died.
    const int ready = co_await edo::spawn_blocking([watch] {
      pollfd p{watch, POLLIN, 0};
      return ::poll(&p, 1, 30'000);
    });
    EXPECT_EQ(ready, 1);
    ::close(watch);
    // The dropped child is reaped in the background: then its pid is gone.
    while (::kill(pid, 0) == 0) co_await edo::yield_now();
    EXPECT_EQ(errno, ESRCH);
  }());
}

TEST_P(Process, DroppedChildKeepsRunning) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    std::optional<edo::process::child_stdin> in;
    std::optional<edo::process::child_output> out;
    {
      auto child = command("sh")
                       .arg("-c")
                       .arg("read x; echo got $x")
                       .set_stdin(stdio::piped())
                       .set_stdout(stdio::piped())
                       .spawn();
      in = child.take_stdin();
      out = child.take_stdout();
    }
    co_await in->write_all("hi\n");
    in.reset();
    std::string s;
    co_await edo::io::read_to_string(*out, s);
    EXPECT_EQ(s, "got hi\n");
  }());
}

TEST_P(Process, EnvAndCurrentDir) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto out = co_await command("sh")
                   .arg("-c")
                   .arg("echo $EDO_TEST_VAR; pwd")
                   .env("EDO_TEST_VAR", "forty-two")
                   .current_dir("/tmp")
                   .output();
    EXPECT_EQ(out.out, "forty-two\n/tmp\n");
    auto only = co_await command("/usr/bin/env").env_clear().env("A", "1").output();
    EXPECT_EQ(only.out, "A=1\n");
    ::setenv("EDO_TEST_REMOVED", "x", 1);
    auto removed = co_await command("sh")
                       .arg("-c")
                       .arg("echo [$EDO_TEST_REMOVED]")
                       .env_remove("EDO_TEST_REMOVED")
                       .output();
    ::unsetenv("EDO_TEST_REMOVED");
    EXPECT_EQ(removed.out, "[]\n");
  }());
}

TEST_P(Process, MissingProgramIsEnoent) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    std::error_code ec;
    try {
      auto c = command("edo-no-such-program").spawn();
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    co_return;
  }());
}

TEST_P(Process, WritingToAnExitedChildIsEpipeNotSigpipe) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto child = command("true").set_stdin(stdio::piped()).spawn();
    auto in = *child.take_stdin();
    EXPECT_TRUE((co_await child.wait()).success());
    std::error_code ec;
    try {
      co_await in.write_all("nobody reads this");
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, std::errc::broken_pipe);
  }());
}

TEST_P(Process, StdinDefaultsToNullForOutput) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto out = co_await command("cat").output();  // reads /dev/null: EOF at once
    EXPECT_TRUE(out.status.success());
    EXPECT_EQ(out.out, "");
    auto silent =
        co_await command("sh").arg("-c").arg("echo hidden").set_stdout(stdio::null()).output();
    EXPECT_EQ(silent.out, "");
  }());
}

std::string link_of(const std::string& path) {
  char buf[256];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
  return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

TEST_P(Process, EveryEdoDescriptorIsCloseOnExec) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await edo::net::tcp_listener::bind("127.0.0.1:0");
    auto c = co_await edo::net::tcp_stream::connect(l.local_addr());
    auto [s, peer] = co_await l.accept();
    auto pipe_child = command("cat").set_stdin(stdio::piped()).set_stdout(stdio::piped()).spawn();
    for (int fd : {l.native_handle(), c.native_handle(), s.native_handle(),
                   pipe_child.take_stdin()->native_handle()}) {
      EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0) << fd;
    }
    // What every close-on-exec descriptor of this process refers to (socket:[inode],
    // pipe:[inode], anon_inode:[eventpoll], ...): no descriptor of a child may refer to one
    // of them. (Descriptors this process inherited without close-on-exec may be passed on.)
    std::set<std::string> ours;
    DIR* d = ::opendir("/proc/self/fd");
    while (dirent* e = ::readdir(d)) {
      const int fd = std::atoi(e->d_name);
      if (fd > 2 && fd != ::dirfd(d) && (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0) {
        ours.insert(link_of("/proc/self/fd/" + std::to_string(fd)));
      }
    }
    ::closedir(d);
    EXPECT_GE(ours.size(), 4u);
    auto out = co_await command("ls").arg("-l").arg("/proc/self/fd").output();
    std::istringstream lines(out.out);
    int checked = 0;
    for (std::string line; std::getline(lines, line);) {
      const auto arrow = line.find(" -> ");
      if (arrow == std::string::npos) continue;
      const std::string target = line.substr(arrow + 4);
      ++checked;
      EXPECT_EQ(ours.count(target), 0u) << "leaked into a child: " << line;
    }
    EXPECT_GE(checked, 3);
    (void)co_await pipe_child.kill();
  }());
}

TEST_P(Process, StreamLinesFromAChild) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto child = command("sh")
                     .arg("-c")
                     .arg("for i in 1 2 3 4 5; do echo line $i; done")
                     .set_stdout(stdio::piped())
                     .spawn();
    edo::io::buf_reader out(*child.take_stdout());
    auto lines = out.lines();
    int n = 0;
    while (auto line = co_await lines.next_line()) EXPECT_EQ(*line, "line " + std::to_string(++n));
    EXPECT_EQ(n, 5);
    EXPECT_TRUE((co_await child.wait()).success());
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, Process, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
