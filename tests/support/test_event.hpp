// A foreign event source for tests, with an edo::leaf written against the public contract:
// `event.wait()` suspends until some thread calls `event.fire(value)`. Cancellation unlinks
// the waiter under the source's lock; an unconsumed value is given back.
#pragma once

#include <edo/leaf.hpp>

#include <deque>
#include <list>
#include <mutex>
#include <optional>

namespace edo_test {

class event_source {
 public:
  class waiter final : public edo::leaf {
   public:
    explicit waiter(event_source& src) : src_(&src) {}

    bool await_ready() {
      std::lock_guard lock(src_->mu_);
      if (src_->values_.empty()) return false;
      value_ = src_->values_.front();
      src_->values_.pop_front();
      if (consume_budget()) return true;
      ready_now_ = true;
      return false;
    }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) {
      suspend(h);
      if (ready_now_) {
        complete_now();
        return;
      }
      std::unique_lock lock(src_->mu_);
      if (!src_->values_.empty()) {  // raced with fire(): complete now (we hold the value)
        value_ = src_->values_.front();
        src_->values_.pop_front();
        lock.unlock();
        wake();
        return;
      }
      pos_ = src_->waiters_.insert(src_->waiters_.end(), this);
      linked_ = true;
      ++src_->registered_;
    }
    int await_resume() { return *value_; }

   private:
    friend class event_source;
    bool cancel() noexcept override {
      std::lock_guard lock(src_->mu_);
      if (!linked_) return false;  // fire() already took us: the wake is coming
      src_->waiters_.erase(pos_);
      linked_ = false;
      ++src_->cancelled_;
      return true;
    }
    void give_back() noexcept override {
      std::lock_guard lock(src_->mu_);
      src_->values_.push_front(*value_);
      ++src_->given_back_;
    }

    event_source* src_;
    std::optional<int> value_;
    std::list<waiter*>::iterator pos_;
    bool linked_ = false;
    bool ready_now_ = false;
  };

  waiter wait() { return waiter(*this); }

  // Completes the oldest waiter with `v`, or stores `v` for the next wait.
  void fire(int v) {
    waiter* w = nullptr;
    {
      std::lock_guard lock(mu_);
      if (waiters_.empty()) {
        values_.push_back(v);
        return;
      }
      w = waiters_.front();
      waiters_.pop_front();
      w->linked_ = false;
      w->value_ = v;
    }
    w->wake();  // after the lock: the contract
  }

  std::size_t waiting() {
    std::lock_guard lock(mu_);
    return waiters_.size();
  }
  std::size_t stored() {
    std::lock_guard lock(mu_);
    return values_.size();
  }
  int cancelled() {
    std::lock_guard lock(mu_);
    return cancelled_;
  }
  int given_back() {
    std::lock_guard lock(mu_);
    return given_back_;
  }

 private:
  std::mutex mu_;
  std::list<waiter*> waiters_;
  std::deque<int> values_;
  int registered_ = 0;
  int cancelled_ = 0;
  int given_back_ = 0;
};

}  // namespace edo_test
