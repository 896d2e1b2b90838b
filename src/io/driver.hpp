// The I/O driver of a runtime: a poller (src/io/sys), the slab of registrations, and the
// turn that turns readiness edges into wakes. Parked by whichever thread holds the runtime's
// shared driver (src/driver/driver.hpp): turn() blocks in the poller with the next timer's
// deadline as its timeout; unpark() ends the wait from any thread.
//
// Park protocol (a Dekker on park_state_, as the futex parker's): the holder announces
// `parked` and then waits; unpark() sets `notified` and writes the eventfd only if it saw
// `parked` — so a runtime that is busy pays one atomic exchange per unpark and no system
// call, and a notification sent while the holder is not waiting makes its next turn() poll
// instead of block.
//
// Special fds (the signal self-pipe) are watched with reserved tokens and handled inside the
// turn by a callback, before the wakes of that turn.
//
// Lifetime: reference-counted. The runtime holds one reference and each registration
// (io_source) one, so a resource that outlives its runtime can still be destroyed safely.
// When the runtime goes, shutdown() marks every registration: waits then fail with an error
// instead of hanging.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "io/registration.hpp"
#include "io/sys/poller.hpp"

namespace edo::detail {

class io_driver {
 public:
  using special_fn = void (*)(void* ctx) noexcept;
  static constexpr int max_special = 4;

  // A new driver holding one reference. Also makes SIGPIPE harmless for the process (once).
  static io_driver* create();
  // ordering: relaxed: a new reference is made from an existing one (unref orders the end).
  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept;

  // Registers `fd` (all directions, edge-triggered) with `initial` readiness. Takes a
  // reference. Throws std::system_error.
  scheduled_io* add(int fd, std::uint8_t initial);
  // Deregisters `fd` (still open) and recycles its slot. Drops the reference.
  void remove(scheduled_io* s, int fd) noexcept;

  // Holder only: waits for edges (nullopt: no limit; zero: poll), dispatches them and
  // returns how many waiters it woke (special-fd callbacks count as one).
  // `skip_if_unwatched`: a zero-timeout turn with no fd in the poller makes no system call.
  std::size_t turn(std::optional<std::chrono::nanoseconds> timeout,
                   bool skip_if_unwatched = false) noexcept;
  // Any thread: ends the holder's wait (or makes its next turn poll).
  void unpark() noexcept {
    // ordering: seq_cst, the unparking side of the Dekker with turn().
    if (park_state_.exchange(notified, std::memory_order_seq_cst) == parked) poller_.wake();
  }

  // Watches `fd` (readable edges) and calls `fn(ctx)` from the turn that sees them. Once per
  // (driver, slot); returns false if the slot was already taken (the fd is watched).
  bool watch_special(int slot, int fd, special_fn fn, void* ctx);

  // The runtime is gone: fail every current and future wait. Threads: no turn runs.
  void shutdown() noexcept;

  // Wakes the waiters of `s` whose interest `ready` satisfies (the driver's dispatch, also
  // used by tests of the protocol). Returns how many it woke.
  std::size_t dispatch(scheduled_io* s, std::uint32_t generation, std::uint8_t ready) noexcept;

 private:
  io_driver();
  ~io_driver();

  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked = 1;
  static constexpr std::uint32_t notified = 2;
  static constexpr std::uint64_t special_base = 1ull << 63;

  poller poller_;
  io_slab slab_;
  std::unique_ptr<poll_event[]> events_;  // used by the holder only
  alignas(cache_line) std::atomic<std::uint32_t> park_state_{empty};
  // fds in the poller (registrations and special fds). While there are none, the
  // current-thread runtime's poll between runs (every event_interval runs) makes no system
  // call: an empty epoll_wait costs ~0.5 us here, ~10 ns per task run of a runtime without
  // I/O. An fd added meanwhile by another thread keeps its edges in the kernel until the
  // next poll. (The multi-thread workers keep polling: skipping it made mpsc_contended mt
  // 1.6x slower, the syscall acting as a backoff between the two workers; see
  // docs/performance.md.)
  std::atomic<std::uint32_t> watched_{0};
  alignas(cache_line) std::atomic<long> refs_{1};
  struct special {
    std::atomic<bool> taken{false};
    // ordering: set before the fd is added to the poller (whose epoll_ctl orders it before
    // any event the turn sees); read by the holder.
    special_fn fn = nullptr;
    void* ctx = nullptr;
  };
  special special_[max_special];
};

// The I/O driver of the current thread's runtime. Throws edo::no_runtime naming `what` when
// there is no runtime or it was built without I/O (the twin of Tokio's "there is no reactor
// running").
io_driver& current_io_driver(const char* what);

}  // namespace edo::detail
