// The signal registry (see <edo/signal.hpp>): one per process, never destroyed.
//
// Handler → pipe → driver → listeners:
//  1. The handler (async-signal-safe) sets slot.pending and writes one byte to the
//     self-pipe (non-blocking: a full pipe already guarantees a wake-up).
//  2. Every I/O driver that has a listener watches the pipe's read end (a special fd,
//     edge-triggered); its turn calls dispatch().
//  3. dispatch() drains the pipe *first*, then exchanges each pending flag: a delivery
//     after the drain writes a new byte, so it makes a new edge — none is lost.
//  4. For each delivered signal, under the registry's lock: version += 1 and every waiter is
//     taken (stamped with the version); after unlocking they are woken.
// A listener remembers the version it has seen: a recv() completes at once if the version
// moved on, which is how nothing is lost between two awaits.
#include <edo/signal.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <system_error>

#include <edo/detail/strand.hpp>

#include "io/driver.hpp"

namespace edo::detail {
namespace {

constexpr int max_signal = 65;

struct slot {
  // ordering: relaxed store in the handler; the dispatcher's exchange is ordered after it by
  // the pipe write/read (a system call pair).
  std::atomic<bool> pending{false};
  bool installed = false;            // guarded by registry::mu
  std::uint64_t version = 0;         // guarded by registry::mu
  signal_waiter* waiters = nullptr;  // guarded by registry::mu
};

struct registry {
  std::mutex mu;
  slot slots[max_signal];
  int rd = -1;
  int wr = -1;
};

// Created on first use; the handler reads `wr` only after it is set (sigaction follows).
registry* reg = nullptr;
std::once_flag reg_once;

registry& get_registry() {
  std::call_once(reg_once, [] {
    auto* r = new registry;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
      delete r;
      throw std::system_error(errno, std::generic_category(), "edo::signal: pipe2");
    }
    r->rd = fds[0];
    r->wr = fds[1];
    reg = r;
  });
  return *reg;
}

extern "C" void on_signal(int signum) {
  const int saved = errno;
  if (signum > 0 && signum < max_signal) {
    // ordering: relaxed: the pipe write below is a system call, a full barrier.
    reg->slots[signum].pending.store(true, std::memory_order_relaxed);
    const char b = 1;
    (void)!::write(reg->wr, &b, 1);
  }
  errno = saved;
}

void dispatch(void*) noexcept {
  registry& r = *reg;
  char buf[256];
  for (;;) {
    const ssize_t n = ::read(r.rd, buf, sizeof buf);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    break;  // empty (EAGAIN)
  }
  for (int s = 1; s < max_signal; ++s) {
    slot& sl = r.slots[s];
    // ordering: relaxed peek; the exchange decides (acq_rel, though the pipe read already
    // ordered the handler's store before this).
    if (!sl.pending.load(std::memory_order_relaxed)) continue;
    if (!sl.pending.exchange(false, std::memory_order_acq_rel)) continue;
    signal_waiter* woken = nullptr;
    {
      std::lock_guard lock(r.mu);
      ++sl.version;
      woken = sl.waiters;
      sl.waiters = nullptr;
      for (signal_waiter* w = woken; w != nullptr; w = w->next_) {
        w->linked_ = false;
        w->version_ = sl.version;
      }
    }
    while (woken != nullptr) {
      signal_waiter* next = woken->next_;
      wake_strand(woken->target_);  // the waiter may be gone after this
      woken = next;
    }
  }
}

bool forbidden(int s) noexcept {
  return s == SIGILL || s == SIGFPE || s == SIGKILL || s == SIGSEGV || s == SIGSTOP;
}

}  // namespace

bool signal_poll(int signum, std::uint64_t* seen) noexcept {
  registry& r = *reg;
  std::lock_guard lock(r.mu);
  const std::uint64_t v = r.slots[signum].version;
  if (v == *seen) return false;
  *seen = v;
  return true;
}

bool signal_register(int signum, std::uint64_t seen, signal_waiter& w) noexcept {
  registry& r = *reg;
  std::lock_guard lock(r.mu);
  slot& sl = r.slots[signum];
  if (sl.version != seen) {
    w.version_ = sl.version;
    return false;
  }
  w.prev_ = nullptr;
  w.next_ = sl.waiters;
  if (sl.waiters != nullptr) sl.waiters->prev_ = &w;
  sl.waiters = &w;
  w.linked_ = true;
  return true;
}

bool signal_cancel(int signum, signal_waiter& w) noexcept {
  registry& r = *reg;
  std::lock_guard lock(r.mu);
  if (!w.linked_) return false;
  slot& sl = r.slots[signum];
  if (w.prev_ != nullptr) {
    w.prev_->next_ = w.next_;
  } else {
    sl.waiters = w.next_;
  }
  if (w.next_ != nullptr) w.next_->prev_ = w.prev_;
  w.linked_ = false;
  return true;
}

}  // namespace edo::detail

namespace edo::signal {

signal_stream signal(signal_kind kind) {
  const int s = kind.as_raw();
  if (s <= 0 || s >= detail::max_signal || detail::forbidden(s)) {
    throw std::system_error(EINVAL, std::generic_category(),
                            "edo::signal::signal: signal cannot be listened to");
  }
  detail::io_driver& d = detail::current_io_driver("edo::signal::signal");
  detail::registry& r = detail::get_registry();
  // The runtime's driver watches the pipe (once per driver; later calls find it taken).
  d.watch_special(0, r.rd, &detail::dispatch, nullptr);
  std::lock_guard lock(r.mu);
  detail::slot& sl = r.slots[s];
  if (!sl.installed) {
    struct sigaction sa {};
    sa.sa_handler = &detail::on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (::sigaction(s, &sa, nullptr) != 0) {
      throw std::system_error(errno, std::generic_category(), "edo::signal::signal: sigaction");
    }
    sl.installed = true;
  }
  return signal_stream(s, sl.version);
}

task<void> ctrl_c() {
  signal_stream s = signal(signal_kind::interrupt());
  co_await s.recv();
}

}  // namespace edo::signal
