// A small test-and-test-and-set lock for critical sections of a few instructions (the
// owned-task lists). Uncontended: one exchange to lock, one store to unlock — half of a
// std::mutex's two read-modify-writes. Under contention it spins briefly, then yields.
#pragma once

#include <atomic>
#include <thread>

namespace edo::detail {

class spin_lock {
 public:
  void lock() noexcept {
    for (;;) {
      // ordering: acquire pairs with unlock()'s release.
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins < 64) {
          __builtin_ia32_pause();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace edo::detail
