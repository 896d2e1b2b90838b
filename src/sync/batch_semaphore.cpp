// batch_semaphore's slow paths: queueing, assigning released permits to waiters, closing
// and cancellation. See include/edo/sync/detail/batch_semaphore.hpp for the state word.
#include <edo/sync/detail/batch_semaphore.hpp>

#include <algorithm>

namespace edo::detail {

void batch_semaphore::release_locked(std::size_t n, wake_batch& wakes) noexcept {
  while (n > 0 && !waiters_.empty()) {
    acquire_waiter* w = waiters_.front();
    const std::size_t k = std::min(n, w->remaining_);
    w->remaining_ -= k;
    n -= k;
    if (w->remaining_ == 0) {
      waiters_.pop_front();
      w->status_ = acquire_waiter::status::acquired;
      wakes.push(w);
    }
  }
  if (!waiters_.empty()) return;  // every permit went to a waiter
  // ordering: relaxed loads below: starting values for CAS loops, which order.
  // The list is empty: the rest goes to the count and waiters_bit is cleared (releasers
  // may add to the count concurrently: a CAS loop).
  std::size_t cur = state_.load(std::memory_order_relaxed);
  for (;;) {
    const std::size_t next = (cur + (n << shift)) & ~waiters_bit;
    // ordering: acq_rel: release pairs with try_acquire's acquire (the permits carry the
    // releasers' critical sections); acquire, as take_count_locked.
    if (state_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
}

std::size_t batch_semaphore::take_count_locked() noexcept {
  // ordering: relaxed: the starting value of the CAS loop, which orders.
  std::size_t cur = state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((cur >> shift) == 0) return 0;
    // ordering: acquire pairs with the releasers' release fetch_add: their critical
    // sections happen-before the waiters we hand the permits to.
    if (state_.compare_exchange_weak(cur, cur & ((std::size_t{1} << shift) - 1),
                                     std::memory_order_acquire, std::memory_order_relaxed)) {
      return cur >> shift;
    }
  }
}

void batch_semaphore::release_slow() noexcept {
  wake_batch wakes;
  lock_.lock();
  // Another releaser (or a canceller) may have handed our permits over already; then the
  // count is what others released since, and handing it over again is right too.
  // ordering: relaxed: waiters_bit changes only under the lock we hold.
  if ((state_.load(std::memory_order_relaxed) & waiters_bit) != 0) {
    release_locked(take_count_locked(), wakes);
  }
  lock_.unlock();
  wakes.wake_all();
}

void batch_semaphore::close() noexcept {
  wake_batch wakes;
  lock_.lock();
  std::size_t returned = 0;
  while (acquire_waiter* w = waiters_.pop_front()) {
    returned += w->needed_ - w->remaining_;
    w->status_ = acquire_waiter::status::closed;
    wakes.push(w);
  }
  // ordering: relaxed: the starting value of the CAS loop, which orders.
  std::size_t cur = state_.load(std::memory_order_relaxed);
  for (;;) {
    const std::size_t next = ((cur + (returned << shift)) & ~waiters_bit) | closed_bit;
    // ordering: release pairs with is_closed()'s acquire (and try_acquire's).
    if (state_.compare_exchange_weak(cur, next, std::memory_order_release,
                                     std::memory_order_relaxed)) {
      break;
    }
  }
  lock_.unlock();
  wakes.wake_all();
}

std::size_t batch_semaphore::forget(std::size_t n) noexcept {
  // ordering: relaxed: the starting value of the CAS loop.
  std::size_t cur = state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((cur & waiters_bit) != 0) return 0;  // the count (if any) is the waiters'
    const std::size_t k = std::min(n, cur >> shift);
    if (k == 0) return 0;
    // ordering: relaxed: forgotten permits carry nothing to anyone.
    if (state_.compare_exchange_weak(cur, cur - (k << shift), std::memory_order_relaxed,
                                     std::memory_order_relaxed)) {
      return k;
    }
  }
}

bool acquire_waiter::enqueue() noexcept {
  batch_semaphore& s = *sem_;
  s.lock_.lock();
  // ordering: relaxed: the starting value of the CAS loop, which orders.
  std::size_t cur = s.state_.load(std::memory_order_relaxed);
  for (;;) {
    if ((cur & batch_semaphore::closed_bit) != 0) {
      status_ = status::closed;
      s.lock_.unlock();
      return finish_inline();
    }
    // With waiters, the count (released since the last hand-over) is theirs: the
    // releaser that added it is waiting for the lock to hand it to them.
    const std::size_t avail = s.waiters_.empty() ? cur >> batch_semaphore::shift : 0;
    if (s.waiters_.empty() && avail >= remaining_) {
      // Released since await_ready: take them now.
      // ordering: acquire, as try_acquire.
      if (s.state_.compare_exchange_weak(cur, cur - (remaining_ << batch_semaphore::shift),
                                         std::memory_order_acquire, std::memory_order_relaxed)) {
        remaining_ = 0;
        status_ = status::acquired;
        s.lock_.unlock();
        return finish_inline();
      }
      continue;
    }
    // Queue up, taking what is available (only when the list is empty). From now on
    // fast-path acquisitions fail and releasers come to the lock.
    const std::size_t next =
        (cur - (avail << batch_semaphore::shift)) | batch_semaphore::waiters_bit;
    // ordering: acquire: the permits taken carry their releasers' critical sections.
    if (s.state_.compare_exchange_weak(cur, next, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      remaining_ -= avail;
      break;
    }
  }
  status_ = status::waiting;
  s.waiters_.push_back(this);
  s.lock_.unlock();
  return true;
}

bool acquire_waiter::cancel() noexcept {
  batch_semaphore& s = *sem_;
  wake_batch wakes;
  s.lock_.lock();
  if (status_ != status::waiting) {
    s.lock_.unlock();
    return false;  // acquired or closed: the wake is coming
  }
  s.waiters_.remove(this);
  status_ = status::idle;
  // Permits already assigned to us go to the next waiters; the waiters bit is cleared if
  // we were the last.
  s.release_locked(needed_ - remaining_, wakes);
  s.lock_.unlock();
  wakes.wake_all();
  return true;
}

void acquire_waiter::give_back() noexcept {
  if (status_ == status::acquired) {
    status_ = status::idle;
    sem_->release(needed_);
  }
}

}  // namespace edo::detail
