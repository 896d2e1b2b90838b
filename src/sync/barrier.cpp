// edo::sync::barrier: arrivals are counted under the lock; the n-th releases the
// generation's waiters (woken after the lock is released) and is its leader.
#include <edo/sync/barrier.hpp>

namespace edo::sync {

bool barrier::wait_awaitable::arrive() noexcept {
  barrier& b = *b_;
  detail::wake_batch wakes;
  b.lock_.lock();
  if (++b.arrived_ < b.n_) {
    linked_ = true;
    b.waiters_.push_back(this);
    b.lock_.unlock();
    return true;
  }
  b.arrived_ = 0;
  ++b.generation_;
  while (wait_awaitable* w = b.waiters_.pop_front()) {
    w->linked_ = false;
    wakes.push(w);
  }
  b.lock_.unlock();
  wakes.wake_all();
  leader_ = true;
  return finish_inline();
}

bool barrier::wait_awaitable::cancel() noexcept {
  barrier& b = *b_;
  b.lock_.lock();
  if (!linked_) {
    b.lock_.unlock();
    return false;  // released with its generation: the wake is coming
  }
  b.waiters_.remove(this);
  linked_ = false;
  --b.arrived_;
  b.lock_.unlock();
  return true;
}

}  // namespace edo::sync
