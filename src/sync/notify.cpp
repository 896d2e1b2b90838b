// edo::sync::notify (see include/edo/sync/notify.hpp for the state word).
//
// Transitions: empty <-> notified happen lock-free (CAS); anything into or out of
// `waiting` happens under lock_, so while the state is `waiting` only lock holders change
// it. The notify_waiters() counter in the upper bits moves only under the lock.
#include <edo/sync/notify.hpp>

namespace edo::sync {

using detail::wake_batch;

void notify::notify_one() noexcept {
  notify_with(false);
}
void notify::notify_last() noexcept {
  notify_with(true);
}

void notify::notify_with(bool last) noexcept {
  // ordering: relaxed: the starting value of the CAS loop, which orders.
  std::uint64_t cur = state_.load(std::memory_order_relaxed);
  while ((cur & st_mask) != st_waiting) {
    // Store the permit (also when one is stored already: the CAS publishes this notifier's
    // writes to whoever consumes it).
    // ordering: release pairs with the consumer's acquire CAS in enable().
    if (state_.compare_exchange_weak(cur, (cur & ~st_mask) | st_notified, std::memory_order_release,
                                     std::memory_order_relaxed)) {
      return;
    }
  }
  lock_.lock();
  // ordering: relaxed: under the lock, a `waiting` state changes only under it.
  cur = state_.load(std::memory_order_relaxed);
  while ((cur & st_mask) != st_waiting) {
    // The last waiter left between our load and the lock: store a permit instead.
    // ordering: as above.
    if (state_.compare_exchange_weak(cur, (cur & ~st_mask) | st_notified, std::memory_order_release,
                                     std::memory_order_relaxed)) {
      lock_.unlock();
      return;
    }
  }
  notified_awaitable* w = last ? waiters_.pop_back() : waiters_.pop_front();
  w->state_ = notified_awaitable::state::done;
  w->how_ = notified_awaitable::how::one;
  const bool wake = w->has_strand_;
  if (waiters_.empty()) {
    // ordering: release: with the lock, publishes to lock-free readers of the state.
    state_.store((cur & ~st_mask) | st_empty, std::memory_order_release);
  }
  lock_.unlock();
  if (wake) w->wake();
}

void notify::notify_waiters() noexcept {
  wake_batch wakes;
  lock_.lock();
  // ordering: relaxed: under the lock, a `waiting` state changes only under it.
  std::uint64_t cur = state_.load(std::memory_order_relaxed);
  if ((cur & st_mask) == st_waiting) {
    while (notified_awaitable* w = waiters_.pop_front()) {
      w->state_ = notified_awaitable::state::done;
      w->how_ = notified_awaitable::how::all;
      if (w->has_strand_) wakes.push(w);
    }
    // Only lock holders change a `waiting` state: a plain store is enough.
    // ordering: release: notified() creators read the counter with acquire.
    state_.store(((cur & ~st_mask) + calls_one) | st_empty, std::memory_order_release);
  } else {
    // empty/notified may flip concurrently (lock-free): add to the counter only.
    // ordering: release, as above.
    state_.fetch_add(calls_one, std::memory_order_release);
  }
  lock_.unlock();
  wakes.wake_all();
}

notified_awaitable::notified_awaitable(notify& n) noexcept
    // ordering: acquire pairs with notify_waiters()'s release.
    : n_(&n), calls_(n.state_.load(std::memory_order_acquire) >> 2) {}

notified_awaitable::notified_awaitable(const notified_awaitable& o) noexcept
    : waiter(o), n_(o.n_), calls_(o.calls_) {
  if (o.enabled_) std::abort();  // precondition: a registered awaitable must not move
}

notified_awaitable::~notified_awaitable() {
  if (!enabled_ || consumed_) return;
  bool forward = false;
  n_->lock_.lock();
  if (state_ == state::waiting) {
    unlink_locked();
  } else if (state_ == state::done && how_ == how::one) {
    forward = true;  // notified but never consumed: pass it on
  }
  n_->lock_.unlock();
  if (forward) n_->notify_one();
}

void notified_awaitable::unlink_locked() noexcept {
  n_->waiters_.remove(this);
  state_ = state::init;
  if (n_->waiters_.empty()) {
    // ordering: relaxed: under the lock, a `waiting` state changes only under it.
    const std::uint64_t cur = n_->state_.load(std::memory_order_relaxed);
    // ordering: release, as in notify_with (only lock holders change a `waiting` state).
    n_->state_.store((cur & ~notify::st_mask) | notify::st_empty, std::memory_order_release);
  }
}

bool notified_awaitable::enable() noexcept {
  if (enabled_) return done_seen_;
  enabled_ = true;
  notify& n = *n_;
  // ordering: acquire pairs with notify_waiters()'s release (the counter) and with a
  // notify_one's release (a permit consumed below by CAS).
  std::uint64_t cur = n.state_.load(std::memory_order_acquire);
  // Fast paths without the lock: a notify_waiters since creation, or a stored permit.
  if ((cur >> 2) != calls_) {
    done_seen_ = true;
    consumed_ = true;  // a notify_waiters wake-up is never passed on
    state_ = state::done;
    how_ = how::all;
    return true;
  }
  while ((cur & notify::st_mask) == notify::st_notified) {
    // ordering: acquire pairs with notify_one's release: the notifier's writes are ours.
    if (n.state_.compare_exchange_weak(cur, (cur & ~notify::st_mask) | notify::st_empty,
                                       std::memory_order_acquire, std::memory_order_acquire)) {
      state_ = state::done;
      how_ = how::one;
      done_seen_ = true;
      return true;
    }
    if ((cur >> 2) != calls_) break;
  }
  n.lock_.lock();
  // ordering: acquire, as above.
  cur = n.state_.load(std::memory_order_acquire);
  for (;;) {
    if ((cur >> 2) != calls_) {
      n.lock_.unlock();
      state_ = state::done;
      how_ = how::all;
      done_seen_ = true;
      consumed_ = true;
      return true;
    }
    const std::uint64_t st = cur & notify::st_mask;
    if (st == notify::st_notified) {
      // ordering: acquire, as above.
      if (n.state_.compare_exchange_weak(cur, (cur & ~notify::st_mask) | notify::st_empty,
                                         std::memory_order_acquire, std::memory_order_acquire)) {
        n.lock_.unlock();
        state_ = state::done;
        how_ = how::one;
        done_seen_ = true;
        return true;
      }
      continue;
    }
    if (st == notify::st_empty) {
      // ordering: acquire on both paths: a failed CAS may find a permit to consume.
      // Entering `waiting` publishes nothing (notifiers that see it take the lock).
      if (!n.state_.compare_exchange_weak(cur, (cur & ~notify::st_mask) | notify::st_waiting,
                                          std::memory_order_acquire, std::memory_order_acquire)) {
        continue;
      }
    }
    break;
  }
  state_ = state::waiting;
  n.waiters_.push_back(this);
  n.lock_.unlock();
  return false;
}

bool notified_awaitable::await_ready() noexcept {
  if (!enable() && !done_seen_) return false;
  if (consume_budget()) return true;
  ready_now_ = true;
  return false;
}

bool notified_awaitable::park() noexcept {
  n_->lock_.lock();
  if (state_ == state::done) {
    n_->lock_.unlock();
    done_seen_ = true;
    return finish_inline();
  }
  has_strand_ = true;
  n_->lock_.unlock();
  return true;
}

bool notified_awaitable::cancel() noexcept {
  n_->lock_.lock();
  if (state_ != state::waiting) {
    n_->lock_.unlock();
    return false;  // notified: the wake is coming
  }
  unlink_locked();
  has_strand_ = false;
  n_->lock_.unlock();
  consumed_ = true;  // nothing to pass on; the destructor has nothing to do
  return true;
}

void notified_awaitable::give_back() noexcept {
  // Notified but torn down before consuming it: a notify_one goes on to the next waiter.
  if (consumed_) return;
  consumed_ = true;
  if (how_ == how::one) n_->notify_one();
}

}  // namespace edo::sync
