// The runtime's clock (see clock.hpp).
#include "time/clock.hpp"

#include <stdexcept>

namespace edo::detail {

clock::clock(bool start_paused) {
  if (start_paused) pause();
}

void clock::pause() {
  std::lock_guard lock(mu_);
  if (paused_.load(std::memory_order_relaxed)) return;
  const auto t = steady::now() + steady::duration(offset_.load(std::memory_order_relaxed));
  paused_now_.store(t.time_since_epoch().count(), std::memory_order_release);
  paused_.store(true, std::memory_order_release);
}

void clock::resume() {
  std::lock_guard lock(mu_);
  if (!paused_.load(std::memory_order_relaxed)) return;
  const std::int64_t frozen = paused_now_.load(std::memory_order_relaxed);
  offset_.store(frozen - steady::now().time_since_epoch().count(), std::memory_order_relaxed);
  paused_.store(false, std::memory_order_release);
}

void clock::advance(steady::duration d) {
  std::lock_guard lock(mu_);
  if (!paused_.load(std::memory_order_relaxed)) {
    throw std::logic_error("edo::time::advance: time is not paused (call edo::time::pause())");
  }
  paused_now_.store(paused_now_.load(std::memory_order_relaxed) + d.count(),
                    std::memory_order_release);
}

void clock::advance_to(steady::time_point t) {
  std::lock_guard lock(mu_);
  const std::int64_t target = t.time_since_epoch().count();
  if (target > paused_now_.load(std::memory_order_relaxed)) {
    paused_now_.store(target, std::memory_order_release);
  }
}

}  // namespace edo::detail
