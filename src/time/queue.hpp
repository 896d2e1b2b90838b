// A timer queue: one timer wheel and its lock. Each worker owns one (Tokio's single locked
// wheel became its bottleneck, tokio#6504); a task's sleep registers in the queue of the
// worker it runs on, and cancellation locks the queue the entry is registered in, whatever
// thread it runs on.
//
// Firing: the driver advances the wheel under the lock, marks each expired entry `fired`,
// releases the lock and only then wakes the targets (wakers never run under a lock).
#pragma once

#include <atomic>
#include <cstdint>

#include <edo/detail/timer_entry.hpp>
#include <edo/sync/detail/lock.hpp>

#include "time/wheel.hpp"

namespace edo::detail {

class time_driver;

class timer_queue {
 public:
  explicit timer_queue(time_driver& d) noexcept : driver_(d) {}

  // Registers `e` at tick `when`. False if `when` is not after the wheel's current tick.
  bool arm(timer_entry& e, std::uint64_t when) noexcept;
  // True if `e` was registered and is now unlinked.
  bool cancel(timer_entry& e) noexcept;
  // Fires every entry due at `now`; returns how many.
  std::size_t process(std::uint64_t now) noexcept;

  // Earliest tick needing processing; UINT64_MAX when empty. Any thread (relaxed).
  std::uint64_t next_tick() const noexcept { return next_.load(std::memory_order_seq_cst); }
  std::size_t size() const noexcept;
  time_driver& driver() const noexcept { return driver_; }

 private:
  void update_next_locked() noexcept;

  time_driver& driver_;
  // A spin-then-yield lock (one locked instruction per lock/unlock pair, where a mutex takes
  // two): held for a wheel insert, remove or advance, never while waking.
  mutable sync_lock mu_;
  timer_wheel wheel_;
  std::atomic<std::uint64_t> next_{UINT64_MAX};
};

}  // namespace edo::detail
