// The drivers of a runtime as one parkable object: the time driver now, the I/O driver when
// it is enabled. Exactly one thread at a time holds it (try_lock) and may block in park();
// unpark() wakes that thread from any other. (Tokio: runtime/driver.rs.)
//
// Without I/O the holder blocks on a futex with the next timer's deadline as its timeout;
// with I/O it blocks in the I/O driver's poller (epoll_wait) with the same timeout, and
// unpark() writes its eventfd (only when the holder is actually waiting: src/io/driver.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>

#include "driver/parker.hpp"
#include "io/driver.hpp"
#include "time/driver.hpp"

namespace edo::detail {

class driver {
 public:
  // `io` may be null (no I/O driver: the futex path).
  explicit driver(time_driver* time, io_driver* io = nullptr) noexcept;
  driver(const driver&) = delete;
  driver& operator=(const driver&) = delete;

  bool try_lock() noexcept { return !locked_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

  // Holder only. Blocks until unpark(), the next timer deadline or `max_wait` (zero: just
  // poll), then fires the timers due. With `auto_advance` and a paused clock, jumps the
  // clock to the next deadline instead of blocking. `skip_unwatched_io`: a zero-wait poll
  // makes no system call while no fd is registered (see io_driver::watched_).
  void park(std::optional<std::chrono::nanoseconds> max_wait, bool auto_advance,
            bool skip_unwatched_io = false) noexcept;
  // Multi-thread runtimes: a check that the whole runtime is idle, evaluated by the holder
  // right before it jumps a paused clock (a check made before taking the driver may be stale:
  // another worker may have fired timers and be about to run their tasks). Set once, before
  // any park.
  void set_idle_check(bool (*fn)(void*) noexcept, void* ctx) noexcept {
    idle_check_ = fn;
    idle_ctx_ = ctx;
  }
  // Set when an auto-advance fired timers: their tasks are queued on the holder's thread
  // and not yet counted as running. The idle check fails while it is set; the worker clears
  // it once it counts itself unparked (multi_thread worker::transition_from_parked).
  bool advance_work_pending() const noexcept {
    // ordering: seq_cst, with the worker's unpark accounting before clear_advance_work().
    return advance_work_.load(std::memory_order_seq_cst);
  }
  void clear_advance_work() noexcept { advance_work_.store(false, std::memory_order_seq_cst); }
  // Any thread: wakes the holder if it is blocked in park().
  void unpark() noexcept {
    if (io_ != nullptr) {
      io_->unpark();
    } else {
      parker_.unpark();
    }
  }

  time_driver* time() const noexcept { return time_; }
  io_driver* io() const noexcept { return io_; }

 private:
  static void wake_from_timer(void* self) noexcept;
  // Blocks for at most `wait`: in the I/O driver when there is one, else on the futex.
  // Returns the wakes the I/O driver made (0 without I/O).
  std::size_t block(std::optional<std::chrono::nanoseconds> wait,
                    bool skip_unwatched_io = false) noexcept;

  std::atomic<bool> locked_{false};
  std::atomic<bool> advance_work_{false};
  bool (*idle_check_)(void*) noexcept = nullptr;
  void* idle_ctx_ = nullptr;
  parker parker_;
  time_driver* time_;
  io_driver* io_;
};

// How a worker parks (Tokio's multi_thread/park.rs): in the driver when it is free,
// otherwise on its own futex. unpark() wakes it wherever it sleeps; a wake that arrives
// while it runs is kept for its next park().
class worker_parker {
 public:
  // True if it parked in the driver (it was the holder), false if on its own futex.
  bool park(driver& d, bool auto_advance) noexcept;
  // Polls the driver without blocking, if it is free.
  void poll(driver& d) noexcept;
  void unpark(driver& d) noexcept;

 private:
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked_futex = 1;
  static constexpr std::uint32_t parked_driver = 2;
  static constexpr std::uint32_t notified = 3;
  std::atomic<std::uint32_t> state_{empty};
};

}  // namespace edo::detail
