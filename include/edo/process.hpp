// edo::process — child processes (Tokio's tokio::process).
//
//   auto out = co_await edo::process::command("echo").arg("hello").output();
//   // out.status.success(), out.out == "hello\n"
//
//   auto child = edo::process::command("cat").set_stdin(edo::process::stdio::piped())
//                    .set_stdout(edo::process::stdio::piped()).spawn();
//   auto in = *child.take_stdin();  auto out = *child.take_stdout();
//   co_await in.write_all("data");  co_await in.shutdown();        // EOF for cat
//   std::string text; co_await edo::io::read_to_string(out, text);
//   edo::process::exit_status st = co_await child.wait();
//
// spawn() uses posix_spawn (vfork + exec: no page-table copy) with a clean signal mask and
// SIGPIPE back at its default; every descriptor edo opens is close-on-exec, so the child
// inherits only its three stdio descriptors. The exit is awaited through a pidfd registered
// with the I/O driver (no SIGCHLD handler, no reaper thread). Piped stdio are async streams
// (async_write for stdin, async_read for stdout/stderr). Needs a runtime with I/O.
//
// A child that is dropped while running keeps running (as in Tokio) and is reaped in the
// background; with kill_on_drop(true) it is sent SIGKILL first. (`stdin`/`stdout`/`stderr`
// are macros in C, hence set_stdin/take_stdin and output's `out`/`err`.)
//
// Cancellation safety: wait() is cancel safe (the child keeps running; wait again).
// output() is not (the child is killed only if kill_on_drop was set).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <edo/detail/io.hpp>
#include <edo/detail/stream.hpp>
#include <edo/task.hpp>

namespace edo::process {

// Where a child's stdin/stdout/stderr goes.
class stdio {
 public:
  enum class kind : std::uint8_t { inherit, piped, null };
  static stdio inherit() noexcept { return stdio(kind::inherit); }
  static stdio piped() noexcept { return stdio(kind::piped); }
  static stdio null() noexcept { return stdio(kind::null); }
  kind get() const noexcept { return k_; }

 private:
  explicit stdio(kind k) noexcept : k_(k) {}
  kind k_;
};

// How a child ended.
class exit_status {
 public:
  exit_status() noexcept = default;
  static exit_status exited(int code) noexcept { return exit_status(code, 0); }
  static exit_status killed(int signum) noexcept { return exit_status(-1, signum); }

  // The exit code, or nullopt if a signal ended the child.
  std::optional<int> code() const noexcept {
    return signal_ == 0 ? std::optional<int>(code_) : std::nullopt;
  }
  // The signal that ended the child, or nullopt if it exited.
  std::optional<int> signal() const noexcept {
    return signal_ != 0 ? std::optional<int>(signal_) : std::nullopt;
  }
  bool success() const noexcept { return signal_ == 0 && code_ == 0; }
  friend bool operator==(const exit_status&, const exit_status&) noexcept = default;

 private:
  exit_status(int c, int s) noexcept : code_(c), signal_(s) {}
  int code_ = 0;
  int signal_ = 0;
};

class child;
class command;

// What output() collects.
struct output {
  exit_status status;
  std::string out;  // everything the child wrote to stdout
  std::string err;  // everything the child wrote to stderr
};

// The write end of a child's stdin. shutdown() (or destroying it) closes it: EOF for the
// child.
class EDO_API child_stdin : public edo::detail::stream_writer<child_stdin> {
 public:
  child_stdin(child_stdin&&) noexcept = default;
  child_stdin& operator=(child_stdin&&) noexcept = default;
  [[nodiscard]] task<void> shutdown();
  const edo::detail::io_source& source() const noexcept { return io_; }
  int native_handle() const noexcept { return io_.fd(); }

 private:
  friend class child;
  friend class command;
  explicit child_stdin(edo::detail::io_source s) noexcept : io_(std::move(s)) {}
  edo::detail::io_source io_;
};

// The read end of a child's stdout or stderr.
class EDO_API child_output : public edo::detail::stream_reader<child_output> {
 public:
  child_output(child_output&&) noexcept = default;
  child_output& operator=(child_output&&) noexcept = default;
  const edo::detail::io_source& source() const noexcept { return io_; }
  int native_handle() const noexcept { return io_.fd(); }

 private:
  friend class child;
  friend class command;
  explicit child_output(edo::detail::io_source s) noexcept : io_(std::move(s)) {}
  edo::detail::io_source io_;
};
using child_stdout = child_output;
using child_stderr = child_output;

// A spawned child process.
class EDO_API child {
 public:
  child(child&&) noexcept = default;
  child& operator=(child&&) noexcept;
  // See the file comment: the child keeps running (killed first with kill_on_drop).
  ~child();

  // The process id, or nullopt once the child has been reaped.
  std::optional<pid_t> id() const noexcept {
    return status_ ? std::nullopt : std::optional<pid_t>(pid_);
  }

  // The piped streams (each once; nullopt if not piped or already taken).
  std::optional<child_stdin> take_stdin() noexcept { return std::exchange(stdin_, std::nullopt); }
  std::optional<child_output> take_stdout() noexcept {
    return std::exchange(stdout_, std::nullopt);
  }
  std::optional<child_output> take_stderr() noexcept {
    return std::exchange(stderr_, std::nullopt);
  }

  // Waits for the child to exit and reaps it (closing its stdin first, so a child reading
  // it sees EOF). Cancel safe.
  [[nodiscard]] task<exit_status> wait();
  // The status if the child has exited (reaping it), else nullopt; never waits.
  std::optional<exit_status> try_wait();
  // Sends SIGKILL (through the pidfd: never another process). Nothing if already reaped.
  void start_kill();
  // SIGKILL, then wait.
  [[nodiscard]] task<exit_status> kill();
  // Sends `signum` (through the pidfd).
  void send_signal(int signum);
  // Collects stdout and stderr (those that are piped) to EOF while waiting.
  [[nodiscard]] task<output> wait_with_output();

 private:
  friend class command;
  child() noexcept = default;

  pid_t pid_ = -1;
  edo::detail::io_source pidfd_;
  std::optional<exit_status> status_;
  std::optional<child_stdin> stdin_;
  std::optional<child_output> stdout_;
  std::optional<child_output> stderr_;
  bool kill_on_drop_ = false;
};

class EDO_API command {
 public:
  // `program`: a path, or a name looked up in PATH.
  explicit command(std::string program);

  command& arg(std::string a) &;
  command& args(std::initializer_list<std::string> as) &;
  command& args(const std::vector<std::string>& as) &;
  command& env(std::string key, std::string value) &;
  command& env_remove(const std::string& key) &;
  command& env_clear() &;
  command& current_dir(std::string dir) &;
  command& set_stdin(stdio s) &;
  command& set_stdout(stdio s) &;
  command& set_stderr(stdio s) &;
  command& kill_on_drop(bool on) &;

  command&& arg(std::string a) && { return std::move(arg(std::move(a))); }
  command&& args(std::initializer_list<std::string> as) && { return std::move(args(as)); }
  command&& args(const std::vector<std::string>& as) && { return std::move(args(as)); }
  command&& env(std::string k, std::string v) && {
    return std::move(env(std::move(k), std::move(v)));
  }
  command&& env_remove(const std::string& k) && { return std::move(env_remove(k)); }
  command&& env_clear() && { return std::move(env_clear()); }
  command&& current_dir(std::string d) && { return std::move(current_dir(std::move(d))); }
  command&& set_stdin(stdio s) && { return std::move(set_stdin(s)); }
  command&& set_stdout(stdio s) && { return std::move(set_stdout(s)); }
  command&& set_stderr(stdio s) && { return std::move(set_stderr(s)); }
  command&& kill_on_drop(bool on) && { return std::move(kill_on_drop(on)); }

  // Starts the child (stdio inherited unless set). Throws std::system_error (ENOENT for a
  // program that does not exist).
  child spawn() const;
  // Spawns with stdin null and stdout/stderr piped (unless set), collects both, waits.
  [[nodiscard]] task<process::output> output() const;
  // Spawns (stdio inherited unless set) and waits for the exit status.
  [[nodiscard]] task<exit_status> status() const;

 private:
  child spawn_with(stdio in, stdio out, stdio err) const;

  std::string program_;
  std::vector<std::string> args_;
  std::vector<std::pair<std::string, std::optional<std::string>>> env_;  // nullopt: remove
  bool env_clear_ = false;
  std::optional<std::string> cwd_;
  std::optional<stdio> stdin_, stdout_, stderr_;
  bool kill_on_drop_ = false;
};

}  // namespace edo::process
