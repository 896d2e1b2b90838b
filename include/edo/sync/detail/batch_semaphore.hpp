// edo::detail::batch_semaphore — the fair, FIFO counting semaphore under edo::sync's
// semaphore, mutex (1 permit), rwlock (max_readers permits; a writer takes them all) and
// once_cell (as Tokio's batch_semaphore underlies its Mutex, RwLock and OnceCell).
//
// state_ (one atomic word):
//   bit 0       closed: acquisitions fail; releases still add permits
//   bit 1       waiters: the list is non-empty (set and cleared under lock_). While it is
//               set no fast-path acquisition succeeds, and permits that releasers add to
//               the count belong to the waiters: each such releaser then takes the lock
//               and hands the count to them, oldest first
//   bits 2..63  the available permits
//
// Fast paths (no lock): an acquisition when no one waits is one CAS, tried first against
// the guess "exactly n permits, no flags" (an uncontended mutex) so that no load precedes
// it; a release is one fetch_add (plus the lock if it finds waiters). Each locked
// instruction costs ~5-6 ns here and a load right before one as much again (PLATFORM.md):
// an uncontended mutex lock + unlock is two locked instructions, no load.
//
// FIFO fairness: a newcomer never takes permits while anyone waits, so a large
// acquisition at the head holds back later small ones: released permits are assigned to
// the head waiter until it has all it asked for (Tokio's semantics). A waiter that queues
// into an empty list takes whatever permits are available at once.
//
// Cancellation: a waiter that is cancelled while queued gives back the permits already
// assigned to it (they go to the next waiters); one whose acquisition completed but was
// never consumed gives everything back through give_back().
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>

#include <edo/detail/config.hpp>
#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>

namespace edo::detail {

class acquire_waiter;

class EDO_API batch_semaphore {
 public:
  // Tokio's MAX_PERMITS (usize::MAX >> 3).
  static constexpr std::size_t max_permits = ~std::size_t{0} >> 3;

  enum class try_result : std::uint8_t { acquired, no_permits, closed };

  explicit batch_semaphore(std::size_t permits) noexcept
      : state_(permits << shift), full_(permits << shift) {}
  batch_semaphore(const batch_semaphore&) = delete;
  batch_semaphore& operator=(const batch_semaphore&) = delete;
  // Precondition: nobody waits (the waiters' frames would dangle).
  ~batch_semaphore() = default;

  try_result try_acquire(std::size_t n) noexcept {
    // The first CAS goes against the guess "the initial permits, no flags" (nobody holds
    // any: an uncontended mutex, the first reader of an rwlock): no load before it. A miss
    // yields the actual value.
    // ordering: acquire, as the CAS's failure below (the closed check may use this value).
    std::size_t cur = (full_ >> shift) >= n ? full_ : state_.load(std::memory_order_acquire);
    for (;;) {
      if ((cur & closed_bit) != 0) return try_result::closed;
      if ((cur & waiters_bit) != 0 || (cur >> shift) < n) return try_result::no_permits;
      // ordering: acquire pairs with release()'s release fetch_add: the previous holder's
      // critical section happens-before ours (mutex semantics). Acquire on failure too: a
      // closed state read here pairs with close()'s release (once_cell's value).
      if (state_.compare_exchange_strong(cur, cur - (n << shift), std::memory_order_acquire,
                                         std::memory_order_acquire)) {
        return try_result::acquired;
      }
    }
  }

  void release(std::size_t n) noexcept {
    if (n == 0) return;
    // ordering: release pairs with try_acquire's acquire CAS (and the lock holder's).
    if (EDO_UNLIKELY((state_.fetch_add(n << shift, std::memory_order_release) & waiters_bit) !=
                     0)) {
      release_slow();  // the permits are the waiters': hand them over under the lock
    }
  }

  std::size_t available() const noexcept {
    // ordering: a snapshot; callers synchronise through acquire/release.
    return state_.load(std::memory_order_relaxed) >> shift;
  }
  bool is_closed() const noexcept {
    // ordering: acquire pairs with close()'s release: a closed check sees what happened
    // before close (once_cell's value).
    return (state_.load(std::memory_order_acquire) & closed_bit) != 0;
  }
  // Fails every waiting and future acquisition. Permits assigned to waiters go back.
  void close() noexcept;
  // Removes up to `n` available permits; returns how many were removed.
  std::size_t forget(std::size_t n) noexcept;

 private:
  friend class acquire_waiter;
  static constexpr std::size_t closed_bit = 1;   // acquisitions fail
  static constexpr std::size_t waiters_bit = 2;  // the list is non-empty
  static constexpr unsigned shift = 2;

  void release_slow() noexcept;
  // Under lock_: takes the permit count (released while waiters_bit was set).
  std::size_t take_count_locked() noexcept;
  // Under lock_: assigns `n` permits to the waiters (oldest first), completed ones into
  // `wakes`; the rest, once the list is empty, to the count (clearing waiters_bit).
  void release_locked(std::size_t n, wake_batch& wakes) noexcept;

  std::atomic<std::size_t> state_;
  const std::size_t full_;  // the initial state: the fast path's first guess
  sync_lock lock_;
  wait_list<acquire_waiter> waiters_;
};

// The leaf of an acquisition of `n` permits. Derived awaiters add await_resume(), which
// reads acquired() (true: the permits are the caller's; false: the semaphore is closed).
class EDO_API acquire_waiter : public waiter {
 public:
  acquire_waiter(batch_semaphore& s, std::size_t n) noexcept
      : sem_(&s), needed_(n), remaining_(n) {}
  acquire_waiter(const acquire_waiter& o) noexcept
      : waiter(o), sem_(o.sem_), needed_(o.needed_), remaining_(o.needed_) {}

  bool await_ready() noexcept {
    switch (sem_->try_acquire(needed_)) {
      case batch_semaphore::try_result::acquired:
        status_ = status::acquired;
        break;
      case batch_semaphore::try_result::closed:
        status_ = status::closed;
        break;
      default:
        return false;
    }
    if (consume_budget()) return true;
    ready_now_ = true;
    return false;
  }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    if (ready_now_) {
      complete_now();
      return true;
    }
    return enqueue();
  }

 protected:
  ~acquire_waiter() = default;

  bool acquired() const noexcept { return status_ == status::acquired; }
  // The result was consumed (await_resume): give_back() has nothing to return.
  void consumed() noexcept { status_ = status::idle; }
  batch_semaphore& sem() const noexcept { return *sem_; }
  std::size_t needed() const noexcept { return needed_; }

 private:
  friend class batch_semaphore;
  enum class status : std::uint8_t {
    idle,      // not started, or the result was consumed
    waiting,   // linked in the semaphore's list (guarded by its lock)
    acquired,  // all `needed_` permits are ours
    closed,    // the semaphore was closed: nothing is ours
  };

  // Under the lock: acquire now, or link. The value to return from await_suspend.
  bool enqueue() noexcept;
  bool cancel() noexcept override;
  void give_back() noexcept override;

  batch_semaphore* sem_;
  std::size_t needed_;
  std::size_t remaining_;  // permits still to be assigned (guarded by the lock while waiting)
  status status_ = status::idle;
  bool ready_now_ = false;
};

}  // namespace edo::detail
