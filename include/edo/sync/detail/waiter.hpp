// The waiter lists of edo::sync: every awaiting operation is an edo::leaf that is also a
// node of an intrusive, doubly linked FIFO list owned by its primitive. The node lives in
// the awaiter (in the awaiting coroutine's frame): waiting allocates nothing.
//
// Protocol (edo/leaf.hpp, specialised for edo::sync):
//  * await_suspend(h) calls suspend(h) first, then takes the primitive's lock. If the
//    operation can complete at once it completes under the lock, unlocks and returns
//    finish_inline(): the strand continues without suspending (or, when the co-operative
//    budget is spent, is made ready for the next run). Otherwise it links the node and
//    unlocks; from then on the awaiter does not touch its own frame.
//  * A completer (another operation on the primitive) unlinks the node under the lock,
//    writes its result, and pushes it onto a wake_batch; the batch is woken after the lock
//    is released. The waker reads a node's batch link before waking it: after wake() the
//    node may be resumed and destroyed at any moment.
//  * cancel() takes the lock: a node that is still linked is unlinked (true); one that is
//    not has had its completion decided (false) and its wake comes.
//  * give_back() returns a decided but unconsumed result (a message, permits, a
//    notification) to the primitive.
//
// Nodes are linked only under their primitive's lock; prev_/next_ are touched by nobody
// else. After unlinking, next_ is reused as the wake_batch link.
#pragma once

#include <coroutine>

#include <edo/leaf.hpp>

namespace edo::detail {

class waiter : public leaf {
 public:
  waiter* prev_ = nullptr;
  waiter* next_ = nullptr;

 protected:
  waiter() noexcept = default;
  // Awaiters are movable before they are awaited (into a select branch): links are not
  // copied.
  waiter(const waiter&) noexcept : leaf() {}
  waiter& operator=(const waiter&) = delete;
  ~waiter() = default;

  // The operation completed inside await_suspend (after suspend()): continue without
  // suspending if the co-operative budget allows, else deliver at the task's next run.
  // The value to return from await_suspend.
  bool finish_inline() noexcept {
    if (consume_budget()) {
      strand_->leaf_ = nullptr;  // not suspended after all
      return false;
    }
    complete_now();
    return true;
  }
};

// An intrusive FIFO of waiters of type W (derived from waiter). Not thread-safe: guarded by
// the owning primitive's lock.
template <class W>
class wait_list {
 public:
  bool empty() const noexcept { return head_ == nullptr; }
  W* front() const noexcept { return static_cast<W*>(head_); }

  void push_back(W* w) noexcept {
    waiter* n = w;
    n->next_ = nullptr;
    n->prev_ = tail_;
    if (tail_ != nullptr) {
      tail_->next_ = n;
    } else {
      head_ = n;
    }
    tail_ = n;
  }
  void push_front(W* w) noexcept {
    waiter* n = w;
    n->prev_ = nullptr;
    n->next_ = head_;
    if (head_ != nullptr) {
      head_->prev_ = n;
    } else {
      tail_ = n;
    }
    head_ = n;
  }
  W* pop_front() noexcept {
    waiter* n = head_;
    if (n != nullptr) {
      head_ = n->next_;
      if (head_ != nullptr) {
        head_->prev_ = nullptr;
      } else {
        tail_ = nullptr;
      }
      n->next_ = n->prev_ = nullptr;
    }
    return static_cast<W*>(n);
  }
  W* pop_back() noexcept {
    waiter* n = tail_;
    if (n != nullptr) remove(static_cast<W*>(n));
    return static_cast<W*>(n);
  }
  void remove(W* w) noexcept {
    waiter* n = w;
    if (n->prev_ != nullptr) {
      n->prev_->next_ = n->next_;
    } else {
      head_ = n->next_;
    }
    if (n->next_ != nullptr) {
      n->next_->prev_ = n->prev_;
    } else {
      tail_ = n->prev_;
    }
    n->next_ = n->prev_ = nullptr;
  }

 private:
  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
};

// Waiters whose completion was decided under a lock, woken in FIFO order once it is
// released.
class wake_batch {
 public:
  wake_batch() noexcept = default;
  wake_batch(const wake_batch&) = delete;
  wake_batch& operator=(const wake_batch&) = delete;
  ~wake_batch() { wake_all(); }

  bool empty() const noexcept { return head_ == nullptr; }

  // `w` is already unlinked from its list.
  void push(waiter* w) noexcept {
    w->next_ = nullptr;
    if (tail_ != nullptr) {
      tail_->next_ = w;
    } else {
      head_ = w;
    }
    tail_ = w;
  }

  // Call with no lock held.
  void wake_all() noexcept {
    waiter* w = head_;
    head_ = tail_ = nullptr;
    while (w != nullptr) {
      waiter* next = w->next_;  // read before the wake: w may be gone right after it
      w->wake();
      w = next;
    }
  }

 private:
  waiter* head_ = nullptr;
  waiter* tail_ = nullptr;
};

}  // namespace edo::detail
