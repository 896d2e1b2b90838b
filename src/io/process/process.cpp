// edo::process (see <edo/process.hpp>): posix_spawn + pidfd.
//
// Exit notification: pidfd_open(pid) right after the spawn (the pid cannot be reused before
// we reap it), registered with the I/O driver; the pidfd becomes readable when the child
// exits, and waitid(P_PIDFD, WNOHANG) reaps it. Reaping closes the pidfd.
//
// A child dropped unreaped: with kill_on_drop it gets SIGKILL; then, if it has not exited
// yet, a detached task on the current runtime waits for its pidfd and reaps it (or, with no
// runtime on this thread, its pidfd joins a process-wide orphan list that every later
// spawn() and child destructor polls).
#include <edo/process.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <system_error>

#include <edo/detail/context.hpp>
#include <edo/io/util.hpp>
#include <edo/join.hpp>
#include <edo/spawn.hpp>

#include "io/driver.hpp"
#include "io/sys_util.hpp"

extern char** environ;

namespace edo::process {

using detail::io_interest;
using detail::io_kind;
namespace io_ready = detail::io_ready;

namespace {

#ifndef P_PIDFD
constexpr int P_PIDFD = 3;
#endif

int pidfd_open(pid_t pid) noexcept {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int pidfd_send_signal(int pidfd, int sig) noexcept {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// Reaps the child if it has exited (never blocks).
std::optional<exit_status> reap(int pidfd) {
  siginfo_t info{};
  for (;;) {
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                 WEXITED | WNOHANG) == 0) {
      break;
    }
    if (errno == EINTR) continue;
    if (errno == ECHILD) return exit_status::exited(0);  // reaped elsewhere (SIG_IGN'd SIGCHLD)
    detail::throw_errno("waitid");
  }
  if (info.si_pid == 0) return std::nullopt;
  if (info.si_code == CLD_EXITED) return exit_status::exited(info.si_status);
  return exit_status::killed(info.si_status);
}

// Orphans dropped where no runtime could reap them.
std::mutex orphans_mu;
std::vector<int>* orphans = new std::vector<int>;

void reap_orphans() noexcept {
  std::lock_guard lock(orphans_mu);
  for (std::size_t i = 0; i < orphans->size();) {
    bool done = true;
    try {
      done = reap((*orphans)[i]).has_value();
    } catch (...) {
    }
    if (done) {
      ::close((*orphans)[i]);
      (*orphans)[i] = orphans->back();
      orphans->pop_back();
    } else {
      ++i;
    }
  }
}

task<void> reap_later(detail::io_source pidfd) {
  for (;;) {
    const std::uint64_t seen = co_await pidfd.ready(io_interest::read);
    if (reap(pidfd.fd())) co_return;
    pidfd.clear_readiness(seen, io_ready::readable);
  }
}

class fd_guard {
 public:
  fd_guard() = default;
  explicit fd_guard(int fd) noexcept : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  void reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// One stdio slot: the child's end (dup2'ed onto 0/1/2) and, when piped, the parent's end.
struct stdio_ends {
  fd_guard child;
  fd_guard parent;
};

void make_ends(stdio s, bool child_reads, stdio_ends& e, int& devnull) {
  switch (s.get()) {
    case stdio::kind::inherit:
      return;
    case stdio::kind::null:
      if (devnull < 0) {
        devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0) detail::throw_errno("open(/dev/null)");
      }
      return;
    case stdio::kind::piped: {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) detail::throw_errno("pipe2");
      e.child.reset(child_reads ? p[0] : p[1]);
      e.parent.reset(child_reads ? p[1] : p[0]);
      // Only the parent's end is non-blocking: the two ends are separate open files.
      const int fl = ::fcntl(e.parent.get(), F_GETFL);
      if (fl < 0 || ::fcntl(e.parent.get(), F_SETFL, fl | O_NONBLOCK) != 0)
        detail::throw_errno("fcntl");
      return;
    }
  }
}

}  // namespace

// ---- child ----

child& child::operator=(child&& o) noexcept {
  if (this != &o) {
    child old(std::move(*this));
    pid_ = o.pid_;
    pidfd_ = std::move(o.pidfd_);
    status_ = o.status_;
    stdin_ = std::move(o.stdin_);
    stdout_ = std::move(o.stdout_);
    stderr_ = std::move(o.stderr_);
    kill_on_drop_ = o.kill_on_drop_;
  }
  return *this;
}

child::~child() {
  if (!pidfd_ || status_) return;  // moved from, or reaped
  if (kill_on_drop_) (void)pidfd_send_signal(pidfd_.fd(), SIGKILL);
  try {
    if (reap(pidfd_.fd())) return;
  } catch (...) {
    return;
  }
  if (detail::this_thread_context().runtime != nullptr) {
    try {
      (void)edo::spawn(reap_later(std::move(pidfd_)));
      return;
    } catch (...) {
    }
  }
  if (!pidfd_) return;
  const int fd = pidfd_.release();
  std::lock_guard lock(orphans_mu);
  orphans->push_back(fd);
}

task<exit_status> child::wait() {
  stdin_.reset();  // a child reading its stdin sees EOF instead of waiting for us
  if (status_) co_return *status_;
  for (;;) {
    const std::uint64_t seen = co_await pidfd_.ready(io_interest::read);
    if (std::optional<exit_status> st = reap(pidfd_.fd())) {
      status_ = st;
      pidfd_.reset();
      co_return *st;
    }
    pidfd_.clear_readiness(seen, io_ready::readable);
  }
}

std::optional<exit_status> child::try_wait() {
  if (status_) return status_;
  if (std::optional<exit_status> st = reap(pidfd_.fd())) {
    status_ = st;
    pidfd_.reset();
  }
  return status_;
}

void child::send_signal(int signum) {
  if (status_) return;
  if (pidfd_send_signal(pidfd_.fd(), signum) != 0 && errno != ESRCH) {
    detail::throw_errno("pidfd_send_signal");
  }
}

void child::start_kill() {
  send_signal(SIGKILL);
}

task<exit_status> child::kill() {
  start_kill();
  co_return co_await wait();
}

namespace {
task<void> collect(std::optional<child_output>& s, std::string& into) {
  if (s) co_await edo::io::read_to_string(*s, into);
}
}  // namespace

task<output> child::wait_with_output() {
  stdin_.reset();
  std::optional<child_output> out = take_stdout();
  std::optional<child_output> err = take_stderr();
  std::string o, e;
  co_await edo::join(collect(out, o), collect(err, e));
  const exit_status st = co_await wait();
  co_return output{st, std::move(o), std::move(e)};
}

task<void> child_stdin::shutdown() {
  io_.reset();
  co_return;
}

// ---- command ----

command::command(std::string program) : program_(std::move(program)) {}

command& command::arg(std::string a) & {
  args_.push_back(std::move(a));
  return *this;
}
command& command::args(std::initializer_list<std::string> as) & {
  args_.insert(args_.end(), as.begin(), as.end());
  return *this;
}
command& command::args(const std::vector<std::string>& as) & {
  args_.insert(args_.end(), as.begin(), as.end());
  return *this;
}
command& command::env(std::string key, std::string value) & {
  env_.emplace_back(std::move(key), std::move(value));
  return *this;
}
command& command::env_remove(const std::string& key) & {
  env_.emplace_back(key, std::nullopt);
  return *this;
}
command& command::env_clear() & {
  env_clear_ = true;
  env_.clear();
  return *this;
}
command& command::current_dir(std::string dir) & {
  cwd_ = std::move(dir);
  return *this;
}
command& command::set_stdin(stdio s) & {
  stdin_ = s;
  return *this;
}
command& command::set_stdout(stdio s) & {
  stdout_ = s;
  return *this;
}
command& command::set_stderr(stdio s) & {
  stderr_ = s;
  return *this;
}
command& command::kill_on_drop(bool on) & {
  kill_on_drop_ = on;
  return *this;
}

child command::spawn() const {
  return spawn_with(stdin_.value_or(stdio::inherit()), stdout_.value_or(stdio::inherit()),
                    stderr_.value_or(stdio::inherit()));
}

child command::spawn_with(stdio in, stdio out, stdio err) const {
  detail::io_driver& driver = detail::current_io_driver("edo::process::command::spawn");
  reap_orphans();

  stdio_ends ends[3];
  int devnull_fd = -1;
  make_ends(in, true, ends[0], devnull_fd);
  fd_guard devnull(devnull_fd);
  make_ends(out, false, ends[1], devnull_fd);
  make_ends(err, false, ends[2], devnull_fd);
  if (devnull.get() < 0 && devnull_fd >= 0) devnull.reset(devnull_fd);
  const stdio kinds[3] = {in, out, err};

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  struct cleanup {
    posix_spawn_file_actions_t* fa;
    posix_spawnattr_t* attr;
    ~cleanup() {
      posix_spawn_file_actions_destroy(fa);
      posix_spawnattr_destroy(attr);
    }
  } cleanup_guard{&fa, &attr};

  for (int i = 0; i < 3; ++i) {
    if (kinds[i].get() == stdio::kind::piped) {
      posix_spawn_file_actions_adddup2(&fa, ends[i].child.get(), i);
    } else if (kinds[i].get() == stdio::kind::null) {
      posix_spawn_file_actions_adddup2(&fa, devnull.get(), i);
    }
  }
  if (cwd_) posix_spawn_file_actions_addchdir_np(&fa, cwd_->c_str());

  // A clean signal mask, and SIGPIPE back at its default (edo ignores it in this process).
  sigset_t mask;
  sigemptyset(&mask);
  posix_spawnattr_setsigmask(&attr, &mask);
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &def);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.reserve(args_.size() + 2);
  argv.push_back(const_cast<char*>(program_.c_str()));
  for (const std::string& a : args_) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  std::vector<std::string> env_store;
  std::vector<char*> envp;
  char** envp_ptr = environ;
  if (env_clear_ || !env_.empty()) {
    auto key_of = [](std::string_view kv) { return kv.substr(0, kv.find('=')); };
    if (!env_clear_) {
      for (char** e = environ; e != nullptr && *e != nullptr; ++e) env_store.emplace_back(*e);
    }
    for (const auto& [k, v] : env_) {
      std::erase_if(env_store, [&](const std::string& kv) { return key_of(kv) == k; });
      if (v) env_store.push_back(k + "=" + *v);
    }
    for (std::string& kv : env_store) envp.push_back(kv.data());
    envp.push_back(nullptr);
    envp_ptr = envp.data();
  }

  pid_t pid = -1;
  const bool has_slash = program_.find('/') != std::string::npos;
  const int rc = has_slash
                     ? ::posix_spawn(&pid, program_.c_str(), &fa, &attr, argv.data(), envp_ptr)
                     : ::posix_spawnp(&pid, program_.c_str(), &fa, &attr, argv.data(), envp_ptr);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "spawn " + program_);

  child c;
  c.pid_ = pid;
  c.kill_on_drop_ = kill_on_drop_;
  const int pidfd = pidfd_open(pid);
  if (pidfd < 0) {
    const int e = errno;
    ::kill(pid, SIGKILL);
    int st;
    ::waitpid(pid, &st, 0);
    detail::throw_errno(e, "pidfd_open");
  }
  c.pidfd_ = detail::io_source(pidfd, io_kind::other, io_ready::readable, &driver);
  if (ends[0].parent.get() >= 0) {
    c.stdin_.emplace(child_stdin(
        detail::io_source(ends[0].parent.release(), io_kind::pipe, io_ready::initial, &driver)));
  }
  if (ends[1].parent.get() >= 0) {
    c.stdout_.emplace(child_output(
        detail::io_source(ends[1].parent.release(), io_kind::pipe, io_ready::initial, &driver)));
  }
  if (ends[2].parent.get() >= 0) {
    c.stderr_.emplace(child_output(
        detail::io_source(ends[2].parent.release(), io_kind::pipe, io_ready::initial, &driver)));
  }
  return c;  // the child ends close here (fd_guard)
}

task<process::output> command::output() const {
  child c = spawn_with(stdin_.value_or(stdio::null()), stdout_.value_or(stdio::piped()),
                       stderr_.value_or(stdio::piped()));
  co_return co_await c.wait_with_output();
}

task<exit_status> command::status() const {
  child c = spawn();
  co_return co_await c.wait();
}

}  // namespace edo::process
