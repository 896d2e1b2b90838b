// sync_lock's slow path: spin (reading, not writing, the lock word) while the holder
// finishes its short critical section; yield the CPU between rounds in case the holder
// was preempted. See include/edo/sync/detail/lock.hpp.
#include <edo/sync/detail/lock.hpp>

#include <sched.h>

namespace edo::detail {

namespace {

// A critical section here is tens of ns: a round of spinning covers it when the holder
// runs; a waking futex costs tens of µs on this machine (PLATFORM.md).
constexpr int spin_limit = 128;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace

void sync_lock::lock_slow() noexcept {
  for (;;) {
    for (int i = 0; i < spin_limit; ++i) {
      // ordering: relaxed read while spinning (no writes: the line stays shared); the
      // acquire CAS takes the lock, as lock().
      std::uint32_t s = state_.load(std::memory_order_relaxed);
      if (s == unlocked && state_.compare_exchange_weak(s, locked, std::memory_order_acquire,
                                                        std::memory_order_relaxed)) {
        return;
      }
      cpu_relax();
    }
    sched_yield();  // the holder may have been preempted: let it finish
  }
}

}  // namespace edo::detail
