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
  timer_entry* prev_ = nullptr;
  timer_entry* next_ = nullptr;
  std::uint64_t when_ = 0;         // deadline, in driver ticks (1 ms)
  timer_queue* queue_ = nullptr;   // where it is registered (for cancel)
  strand* target_ = nullptr;       // woken (wake_strand) when the deadline passes
  std::uint16_t slot_ = 0;         // level * 64 + slot while in a wheel
  std::uint8_t state_ = 0;         // see timer_state

  timer_entry() = default;
  timer_entry(const timer_entry&) noexcept {}  // a copy is a fresh, unregistered entry
  timer_entry& operator=(const timer_entry&) = delete;
};

namespace timer_state {
inline constexpr std::uint8_t idle = 0;        // not registered
inline constexpr std::uint8_t registered = 1;  // in a wheel; cancel() unlinks it
inline constexpr std::uint8_t fired = 2;       // taken out by the driver; its wake is decided
}  // namespace timer_state

}  // namespace edo::detail
