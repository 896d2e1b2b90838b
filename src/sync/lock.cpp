// sync_lock's slow path: spin while the holder finishes its (short) critical section, then
// sleep on the futex. See include/edo/sync/detail/lock.hpp for the states.
#include <edo/sync/detail/lock.hpp>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace edo::detail {

namespace {

// Spins before sleeping. A critical section here is tens of ns; a futex round trip on
// this machine is tens of µs (PLATFORM.md), so spinning for a few hundred ns pays off
// whenever the holder is running, and costs little when it was preempted.
constexpr int spin_limit = 100;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

std::uint32_t* futex_word(std::atomic<std::uint32_t>& a) noexcept {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  return reinterpret_cast<std::uint32_t*>(&a);
}

}  // namespace

void sync_lock::lock_slow() noexcept {
  for (int i = 0; i < spin_limit; ++i) {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    if (s == unlocked) {
      // ordering: acquire, as lock().
      if (state_.compare_exchange_weak(s, locked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
    } else if (s == contended) {
      break;  // others sleep already: queue up behind them
    }
    cpu_relax();
  }
  // Mark the lock contended before sleeping so that the holder's unlock wakes a sleeper.
  // Taking it this way leaves it marked contended: one spurious wake at most.
  // ordering: acquire, as lock().
  while (state_.exchange(contended, std::memory_order_acquire) != unlocked) {
    syscall(SYS_futex, futex_word(state_), FUTEX_WAIT_PRIVATE, contended, nullptr, nullptr, 0);
  }
}

void sync_lock::wake_one() noexcept {
  syscall(SYS_futex, futex_word(state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

}  // namespace edo::detail
