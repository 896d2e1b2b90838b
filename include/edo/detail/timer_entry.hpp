// A timer registration: the node a sleep (or a timeout) places in a timer wheel.
//
// All fields except target_ are guarded by the lock of the wheel the entry is registered
// with (wheel_), from registration until the entry fires or is cancelled. The owner strand
// (re)arms it only while it is not registered.
#pragma once

#include <cstdint>

#include <edo/detail/strand.hpp>

namespace edo::detail {

class timer_wheel;
class timer_queue;

struct timer_entry {
  // Ticks above this are clamped (2^48 ms is ~8,900 years).
  static constexpr std::uint64_t max_when = (std::uint64_t{1} << 48) - 1;

  timer_entry* prev_ = nullptr;
  timer_entry* next_ = nullptr;
  std::uint64_t when_ : 48 = 0;   // deadline, in driver ticks (1 ms)
  std::uint64_t slot_ : 12 = 0;   // its slot while in a wheel (see src/time/wheel.hpp)
  std::uint64_t state_ : 2 = 0;   // see timer_state
  timer_queue* queue_ = nullptr;  // the queue it registers with (and cancels from)
  strand* target_ = nullptr;      // woken (wake_strand) when the deadline passes

  timer_entry() = default;
  explicit timer_entry(timer_queue* q) noexcept : queue_(q) {}
  // A copy is a fresh, unregistered entry for the same queue.
  timer_entry(const timer_entry& o) noexcept : queue_(o.queue_) {}
  timer_entry& operator=(const timer_entry&) = delete;
};
static_assert(sizeof(timer_entry) == 40, "timer entries are 40 bytes");

namespace timer_state {
inline constexpr std::uint8_t idle = 0;        // not registered
inline constexpr std::uint8_t registered = 1;  // in a wheel; cancel() unlinks it
inline constexpr std::uint8_t fired = 2;       // taken out by the driver; its wake is decided
// Not registered: the owner completed it at once but must deliver it at the next run
// (co-operative budget spent). Only the owning leaf uses this state.
inline constexpr std::uint8_t deferred = 3;
}  // namespace timer_state

}  // namespace edo::detail
