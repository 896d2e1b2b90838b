// The runtime's clock: std::chrono::steady_clock, or paused (time stands still and moves
// only by advance() — explicit or automatic when the runtime is idle).
//
// Readers (instant::now on any thread of the runtime) take no lock: `paused_` and the two
// nanosecond counts are atomics, written under `mu_` by pause/resume/advance.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace edo::detail {

class clock {
 public:
  using steady = std::chrono::steady_clock;

  explicit clock(bool start_paused);

  steady::time_point now() const noexcept {
    // ordering: acquire pairs with the release stores in pause/resume/advance.
    if (paused_.load(std::memory_order_acquire)) {
      return steady::time_point(steady::duration(paused_now_.load(std::memory_order_acquire)));
    }
    return steady::now() + steady::duration(offset_.load(std::memory_order_relaxed));
  }
  bool paused() const noexcept { return paused_.load(std::memory_order_acquire); }

  void pause();
  void resume();
  // Requires paused(). Moves the paused clock forward by `d`.
  void advance(steady::duration d);
  // Requires paused(). Moves the paused clock to `t` if it is later.
  void advance_to(steady::time_point t);

 private:
  mutable std::mutex mu_;
  std::atomic<bool> paused_{false};
  std::atomic<std::int64_t> paused_now_{0};  // steady ticks while paused
  std::atomic<std::int64_t> offset_{0};      // added to steady::now() while running
};

}  // namespace edo::detail
