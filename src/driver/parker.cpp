// Futex parker (see parker.hpp). The protocol is std::thread::park's (Rust's futex parker):
// state goes empty → parked → (unpark) notified → empty.
#include "driver/parker.hpp"

#include "core/futex.hpp"

namespace edo::detail {

void parker::park(std::optional<std::chrono::nanoseconds> timeout) noexcept {
  // ordering: acquire pairs with unpark()'s release: the unparker's writes are visible.
  std::uint32_t expected = notified;
  if (state_.compare_exchange_strong(expected, empty, std::memory_order_acquire)) return;
  expected = empty;
  if (!state_.compare_exchange_strong(expected, parked, std::memory_order_acquire)) {
    state_.store(empty, std::memory_order_relaxed);  // was notified meanwhile
    return;
  }
  if (timeout && timeout->count() <= 0) {
    state_.exchange(empty, std::memory_order_acquire);
    return;
  }
  // One wait: spurious wake-ups and timeouts are fine (callers re-check their conditions).
  futex_wait(&state_, parked, timeout);
  state_.exchange(empty, std::memory_order_acquire);
}

void parker::unpark() noexcept {
  // ordering: release publishes the unparker's writes to park()'s acquire.
  if (state_.exchange(notified, std::memory_order_release) == parked) futex_wake(&state_);
}

}  // namespace edo::detail
