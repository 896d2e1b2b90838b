// What every part of edo::fs shares (private): running one blocking job and giving back
// its value or its original exception, errno-to-exception helpers that name the path, and
// an owning file descriptor.
//
// The job protocol. A job is a plain callable run by edo::spawn_blocking; it gets its
// arguments by value (paths, buffers, shared fd holders), never references into the
// awaiting coroutine's frame, because a cancelled await leaves the job running on the pool
// after that frame is gone. A job never lets an exception escape: it returns a
// job_result holding either its value or the exception it caught, and the awaiting side
// rethrows that exception itself. So (1) callers see the original std::system_error, not an
// edo::join_error around it, and (2) a job whose awaiter was cancelled (its join_handle
// dropped) ends silently: an exception nobody awaits would be reported on stderr by the
// runtime. Values that own resources (a unique_fd, a DIR holder) release them in their
// destructors, so a result dropped after a cancelled await leaks nothing.
//
// A job the runtime refused or dropped (spawn_blocking during shutdown) surfaces as
// std::system_error(ECANCELED).
//
// Thread-local addresses across a suspension: edo::detail::frame_alloc (inline) reads the
// per-thread frame cache through `tls` directly, assuming it runs only in a coroutine's
// ramp. Inlined into a coroutine body — spawn_blocking's cell allocation, or the ramp of a
// callee coroutine — clang may reuse the thread-local address it computed before a
// suspension, after the task moved to another worker: two threads then pop one free list
// (seen by ThreadSanitizer in fs_concurrent; a core bug, reported). Until the core reads
// it through this_thread_context(), edo::fs keeps every allocation out of its coroutine
// bodies: spawn_blocking goes through submit_job (never inlined), and the coroutines
// that other coroutines here call are EDO_NOINLINE, so their ramps are real calls.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include <edo/blocking.hpp>
#include <edo/error.hpp>
#include <edo/join_handle.hpp>
#include <edo/task.hpp>

namespace edo::fs::detail {

// "edo::fs::read \"/tmp/x\"" — the what() prefix of an error about one path.
inline std::string describe(const char* op, const std::filesystem::path& p) {
  std::string s(op);
  s += " \"";
  s += p.native();
  s += '"';
  return s;
}
inline std::string describe(const char* op, const std::filesystem::path& from,
                            const std::filesystem::path& to) {
  std::string s = describe(op, from);
  s += " -> \"";
  s += to.native();
  s += '"';
  return s;
}

[[noreturn]] inline void throw_errno(int err, const char* op, const std::filesystem::path& p) {
  throw std::system_error(err, std::generic_category(), describe(op, p));
}
[[noreturn]] inline void throw_errno(int err, const char* op, const std::filesystem::path& from,
                                     const std::filesystem::path& to) {
  throw std::system_error(err, std::generic_category(), describe(op, from, to));
}
[[noreturn]] inline void throw_cancelled(const char* op) {
  throw std::system_error(ECANCELED, std::generic_category(),
                          std::string(op) + ": the blocking job was cancelled (runtime shutdown)");
}

// An owned file descriptor: closed by the destructor (close errors are ignored, as Rust's
// File does: the descriptor is gone either way).
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

 private:
  int fd_ = -1;
};

// open(2) with O_CLOEXEC, retried on EINTR; throws with the path on failure.
inline unique_fd open_fd(const std::filesystem::path& p, int flags, unsigned mode, const char* op) {
  int fd;
  do {
    fd = ::open(p.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw_errno(errno, op, p);
  return unique_fd(fd);
}

// The value of a job, or the exception it threw (see the file comment).
template <class T>
struct job_result {
  std::optional<T> value;
  std::exception_ptr error;
};
template <>
struct job_result<void> {
  std::exception_ptr error;
};

template <class F>
using job_value_t = std::invoke_result_t<F&>;

// edo::spawn_blocking, as a real call (see the file comment).
template <class F>
EDO_NOINLINE auto submit_job(F&& f) {
  return edo::spawn_blocking(std::forward<F>(f));
}

// Runs f() on the blocking pool and returns its value (or throws its exception). Lazy: the
// job is submitted when the returned task is first awaited. `op` names the operation for
// the ECANCELED error; it must be a string literal.
template <class F>
EDO_NOINLINE task<job_value_t<F>> run(const char* op, F f) {
  using T = job_value_t<F>;
  // Every lambda in a coroutine here is named before use: g++ 12 destroys some lambda
  // temporaries twice in coroutines (GCC PR 100611).
  auto job = [f = std::move(f)]() mutable noexcept -> job_result<T> {
    job_result<T> r;
    try {
      if constexpr (std::is_void_v<T>) {
        f();
      } else {
        r.value.emplace(f());
      }
    } catch (...) {
      r.error = std::current_exception();
    }
    return r;
  };
  auto h = submit_job(std::move(job));
  std::optional<job_result<T>> r;
  try {
    r.emplace(co_await h);
  } catch (const edo::join_error& e) {
    // The job itself never throws: this is a cancellation (runtime shutdown).
    if (e.is_panic()) e.rethrow();
  }
  if (!r) throw_cancelled(op);
  if (r->error) std::rethrow_exception(r->error);
  if constexpr (!std::is_void_v<T>) co_return std::move(*r->value);
}

}  // namespace edo::fs::detail
