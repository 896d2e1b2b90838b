// edo::signal — Unix signals as async streams (Tokio's tokio::signal::unix and ctrl_c).
//
//   co_await edo::signal::ctrl_c();                       // the next SIGINT
//
//   auto term = edo::signal::signal(edo::signal::signal_kind::terminate());
//   for (;;) { co_await term.recv(); reload(); }
//
// The first listener of a signal installs a process-wide handler for it (kept for the life
// of the process, as in Tokio: the signal's default action — e.g. SIGINT ending the
// process — no longer happens). The handler only sets a flag and writes a byte to a
// self-pipe; the I/O driver of every runtime with a listener watches the pipe and wakes the
// listeners.
//
// Delivery: every listener of a signal sees every delivery that happens after it was
// created, coalesced — several deliveries between two awaits complete the next recv() once.
// A delivery that arrives while a listener is not waiting is kept for its next recv():
// nothing is lost between two awaits. Any number of listeners per signal, in any runtime.
//
// Needs a runtime with I/O (edo::no_runtime otherwise). SIGILL, SIGFPE, SIGKILL, SIGSEGV and
// SIGSTOP cannot be listened to (std::system_error with EINVAL).
//
// Cancellation safety: recv() is cancel safe (a cancelled recv consumes no delivery).
#pragma once

#include <coroutine>
#include <csignal>
#include <cstdint>

#include <edo/detail/config.hpp>
#include <edo/leaf.hpp>
#include <edo/task.hpp>

namespace edo::signal {

class signal_kind {
 public:
  static constexpr signal_kind interrupt() noexcept { return signal_kind(SIGINT); }
  static constexpr signal_kind terminate() noexcept { return signal_kind(SIGTERM); }
  static constexpr signal_kind hangup() noexcept { return signal_kind(SIGHUP); }
  static constexpr signal_kind quit() noexcept { return signal_kind(SIGQUIT); }
  static constexpr signal_kind alarm() noexcept { return signal_kind(SIGALRM); }
  static constexpr signal_kind child() noexcept { return signal_kind(SIGCHLD); }
  static constexpr signal_kind pipe() noexcept { return signal_kind(SIGPIPE); }
  static constexpr signal_kind window_change() noexcept { return signal_kind(SIGWINCH); }
  static constexpr signal_kind user_defined1() noexcept { return signal_kind(SIGUSR1); }
  static constexpr signal_kind user_defined2() noexcept { return signal_kind(SIGUSR2); }
  static constexpr signal_kind from_raw(int signum) noexcept { return signal_kind(signum); }
  constexpr int as_raw() const noexcept { return signum_; }
  friend constexpr bool operator==(signal_kind, signal_kind) noexcept = default;

 private:
  constexpr explicit signal_kind(int s) noexcept : signum_(s) {}
  int signum_;
};

}  // namespace edo::signal

namespace edo::detail {
// A listener waiting in the registry (guarded by the registry's lock).
struct signal_waiter {
  signal_waiter* prev_ = nullptr;
  signal_waiter* next_ = nullptr;
  strand* target_ = nullptr;
  std::uint64_t version_ = 0;  // the delivery count it completed at
  bool linked_ = false;
};
// True (and *seen updated) if `signum` was delivered since *seen.
EDO_API bool signal_poll(int signum, std::uint64_t* seen) noexcept;
// Links `w` unless a delivery newer than `seen` exists (then w.version_ is set; false).
EDO_API bool signal_register(int signum, std::uint64_t seen, signal_waiter& w) noexcept;
EDO_API bool signal_cancel(int signum, signal_waiter& w) noexcept;
}  // namespace edo::detail

namespace edo::signal {

// A stream of one signal's deliveries (Tokio's Signal). Move-only.
class EDO_API signal_stream {
 public:
  signal_stream(signal_stream&&) noexcept = default;
  signal_stream& operator=(signal_stream&&) noexcept = default;

  class recv_awaitable final : public leaf {
   public:
    explicit recv_awaitable(signal_stream& s) noexcept : s_(&s) {}
    recv_awaitable(const recv_awaitable& o) noexcept : leaf(), s_(o.s_) {}
    recv_awaitable& operator=(const recv_awaitable&) = delete;

    bool await_ready() noexcept {
      if (!detail::signal_poll(s_->signum_, &s_->seen_)) return false;
      if (consume_budget()) return true;
      ready_now_ = true;
      return false;
    }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) noexcept {
      suspend(h);
      if (ready_now_) {
        complete_now();
        return;
      }
      waited_ = true;
      waiter_.target_ = strand_;
      if (!detail::signal_register(s_->signum_, s_->seen_, waiter_)) wake();
    }
    void await_resume() noexcept {
      // A completion found by await_ready already advanced seen_ (signal_poll).
      if (waited_) s_->seen_ = waiter_.version_;
      waited_ = ready_now_ = false;
    }

   private:
    bool cancel() noexcept override { return detail::signal_cancel(s_->signum_, waiter_); }

    signal_stream* s_;
    detail::signal_waiter waiter_;
    bool ready_now_ = false;
    bool waited_ = false;  // completed through the registry (waiter_.version_ holds the count)
  };

  // Completes at the next delivery (or at once if one came since the last recv()).
  [[nodiscard]] recv_awaitable recv() noexcept { return recv_awaitable(*this); }
  signal_kind kind() const noexcept { return signal_kind::from_raw(signum_); }

 private:
  friend EDO_API signal_stream signal(signal_kind kind);
  signal_stream(int signum, std::uint64_t seen) noexcept : signum_(signum), seen_(seen) {}
  int signum_;
  std::uint64_t seen_;  // deliveries this listener has seen
};

// A listener for `kind`, seeing deliveries from now on.
EDO_API signal_stream signal(signal_kind kind);

// Completes at the next SIGINT (after the task started awaiting it).
[[nodiscard]] EDO_API task<void> ctrl_c();

}  // namespace edo::signal
