// Futex parker (see parker.hpp). The protocol is std::thread::park's (Rust's futex parker):
// state goes empty → parked → (unpark) notified → empty.
#include "driver/parker.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace edo::detail {
namespace {

void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t expected,
                const struct timespec* timeout) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_PRIVATE, expected,
            timeout, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>* addr) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

}  // namespace

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
  struct timespec ts {};
  if (timeout) {
    ts.tv_sec = static_cast<time_t>(timeout->count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout->count() % 1'000'000'000);
  }
  // One wait: spurious wake-ups and timeouts are fine (callers re-check their conditions).
  futex_wait(&state_, parked, timeout ? &ts : nullptr);
  state_.exchange(empty, std::memory_order_acquire);
}

void parker::unpark() noexcept {
  // ordering: release publishes the unparker's writes to park()'s acquire.
  if (state_.exchange(notified, std::memory_order_release) == parked) futex_wake(&state_);
}

}  // namespace edo::detail
