// edo::detail::sync_lock — the lock of every edo::sync primitive's slow path.
//
// A futex lock with a bounded spin (Drepper's "Futexes are tricky", mutex #2): the critical
// sections it guards are a few list and ring operations (tens of ns), so a contended
// locker spins briefly before it sleeps. Uncontended lock + unlock is one CAS and one
// exchange, like std::mutex, but it is 4 bytes and never calls into pthreads.
//
// Rules for its users (edo::sync): never hold it while waking a leaf, resuming anything or
// running user code that may block or re-enter the primitive (a value's destructor may drop
// a sender of the same channel: destroy values after unlocking).
//
// state_:
//   unlocked   free
//   locked     held, nobody sleeps on it
//   contended  held, and a thread may be sleeping in futex_wait: unlock must wake one
#pragma once

#include <atomic>
#include <cstdint>

#include <edo/detail/config.hpp>

namespace edo::detail {

class sync_lock {
 public:
  sync_lock() noexcept = default;
  sync_lock(const sync_lock&) = delete;
  sync_lock& operator=(const sync_lock&) = delete;

  void lock() noexcept {
    std::uint32_t expected = unlocked;
    // ordering: acquire pairs with unlock()'s release: the critical section sees the
    // previous holder's writes.
    if (EDO_LIKELY(state_.compare_exchange_strong(expected, locked, std::memory_order_acquire,
                                                  std::memory_order_relaxed))) {
      return;
    }
    lock_slow();
  }

  bool try_lock() noexcept {
    std::uint32_t expected = unlocked;
    // ordering: as lock().
    return state_.compare_exchange_strong(expected, locked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() noexcept {
    // ordering: release publishes the critical section to the next holder's acquire.
    if (EDO_UNLIKELY(state_.exchange(unlocked, std::memory_order_release) == contended)) {
      wake_one();
    }
  }

 private:
  static constexpr std::uint32_t unlocked = 0;
  static constexpr std::uint32_t locked = 1;
  static constexpr std::uint32_t contended = 2;

  EDO_API void lock_slow() noexcept;
  EDO_API void wake_one() noexcept;

  std::atomic<std::uint32_t> state_{unlocked};
};

// std::lock_guard for sync_lock, with an early unlock (wakes go after it).
class sync_guard {
 public:
  explicit sync_guard(sync_lock& l) noexcept : l_(&l) { l.lock(); }
  sync_guard(const sync_guard&) = delete;
  sync_guard& operator=(const sync_guard&) = delete;
  ~sync_guard() {
    if (l_ != nullptr) l_->unlock();
  }
  void unlock() noexcept {
    l_->unlock();
    l_ = nullptr;
  }

 private:
  sync_lock* l_;
};

}  // namespace edo::detail
