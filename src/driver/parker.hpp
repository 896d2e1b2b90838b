// Parks one thread on a futex until unpark() or a timeout. A notification sent while the
// thread is running is kept: the next park() returns at once (no lost wake-up).
//
// Waking a parked thread costs ~25 µs on this machine (PLATFORM.md); unpark() makes the
// futex system call only when the thread is actually parked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace edo::detail {

class parker {
 public:
  // Blocks until unpark() (possibly earlier), or for at most `timeout`.
  void park(std::optional<std::chrono::nanoseconds> timeout) noexcept;
  void unpark() noexcept;

 private:
  static constexpr std::uint32_t empty = 0;
  static constexpr std::uint32_t parked = 1;
  static constexpr std::uint32_t notified = 2;
  std::atomic<std::uint32_t> state_{empty};
};

}  // namespace edo::detail
