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
  // clock to the next deadline instead of blocking.
  void park(std::optional<std::chrono::nanoseconds> max_wait, bool auto_advance) noexcept;
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
  std::size_t block(std::optional<std::chrono::nanoseconds> wait) noexcept;

  std::atomic<bool> locked_{false};
  parker parker_;
  time_driver* time_;
  io_driver* io_;
};

// How a worker parks (Tokio's multi_thread/park.rs): in the driver when it is free,
// otherwise on its own futex. unpark() wakes it wherever it sleeps; a wake that arrives
// while it runs is kept for its next park().
class worker_parker {
 public:
  void park(driver& d, bool auto_advance) noexcept;
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
