// Composites: the awaitables that run child strands inside one task (join, join_all,
// select, timeout). A composite is a leaf for the strand that awaits it and the owner of
// its children.
//
// Protocol (runner thread unless noted):
//  * enter() switches the task into list mode (the outermost composite lends its ready
//    queues), start_child() queues a branch to run in this run.
//  * A child's leaf completion (any thread) goes through child_woken(): by default onto the
//    task's remote ready stack.
//  * When a child finishes, normally or torn down, the executor calls child_done(). When a
//    composite has no live child and no pending event left, it calls finish(): list mode
//    ends (if outermost) and the awaiting strand is made ready in the same run.
//  * cancel() (as a leaf) requests cancellation of every live child and returns false:
//    completion always arrives through finish(), after every child has been torn down, so a
//    composite never returns while a branch is alive.
#pragma once

#include <atomic>
#include <cstdint>

#include <edo/detail/strand.hpp>
#include <edo/detail/task_header.hpp>
#include <edo/leaf.hpp>

namespace edo::detail {

// Ready queues of a task in list mode. FIFO for the runner, a Treiber stack for wakers.
struct ready_queues {
  // ordering: release push / acquire exchange, so a strand's fields written by the runner
  // before it suspended and by the waker before waking are visible to the runner.
  std::atomic<child_strand*> remote_{nullptr};
  child_strand* head_ = nullptr;  // runnable in this run
  child_strand* tail_ = nullptr;
  child_strand* deferred_head_ = nullptr;  // runnable at the next run (yielded)
  child_strand* deferred_tail_ = nullptr;

  void push_local(child_strand* s) noexcept {
    s->next_ = nullptr;
    if (tail_ != nullptr) {
      tail_->next_ = s;
    } else {
      head_ = s;
    }
    tail_ = s;
  }
  void push_deferred(child_strand* s) noexcept {
    s->next_ = nullptr;
    if (deferred_tail_ != nullptr) {
      deferred_tail_->next_ = s;
    } else {
      deferred_head_ = s;
    }
    deferred_tail_ = s;
  }
  child_strand* pop_local() noexcept {
    child_strand* s = head_;
    if (s != nullptr) {
      head_ = s->next_;
      if (head_ == nullptr) tail_ = nullptr;
    }
    return s;
  }
  EDO_API void push_remote(child_strand* s) noexcept;
  // Moves remote wakes (in wake order) and, with `deferred`, yielded strands to the local
  // queue. True if anything moved.
  EDO_API bool collect(bool deferred) noexcept;
};

class EDO_API composite : public leaf {
 public:
  // Runner thread: child `s` finished. `s->flags_` has `done` (its root promise is `root`,
  // the frame still alive for the composite to read) or `torn_down` (frames destroyed,
  // `root` null).
  virtual void child_done(child_strand* s, promise_base* root) noexcept = 0;
  // Any thread: the leaf child `s` waits on completed.
  virtual void child_woken(child_strand* s) noexcept;
  // Runner thread: a special node of this composite (an event, not a strand) was dequeued.
  virtual void on_special(child_strand* s) noexcept;
  // The task's ready queues while this composite is active.
  ready_queues* queues() const noexcept { return outer_; }
  // For task dumps: visit every branch strand that has not finished.
  virtual void for_each_branch(void (*fn)(void* ctx, const child_strand& s), void* ctx) const;

 protected:
  composite() noexcept = default;
  composite(const composite&) = delete;
  composite& operator=(const composite&) = delete;
  ~composite() = default;

  // In await_suspend, after suspend(h): enter list mode.
  void enter() noexcept;
  // Prepare and queue child `s` (root coroutine `root`) to run in this run.
  void start_child(child_strand& s, promise_base* root, std::uint32_t index) noexcept;
  // Runs child `s` (root `root`) right now, nested inside the caller's await_suspend, and
  // returns once it suspends or finishes. Used by timeout to run its task before arming
  // anything.
  void run_child_inline(child_strand& s, promise_base* root, std::uint32_t index) noexcept;
  // Prepare a special node (an event source's target, e.g. timeout's timer).
  void init_special(child_strand& s) noexcept;
  // Request cancellation of child `s` (loser of a select, sibling of a failed join branch).
  void cancel_child(child_strand& s) noexcept;
  // No live child, no pending event: leave list mode and make the awaiting strand ready.
  void finish() noexcept;
  // Leave list mode without waking the awaiting strand (it never suspended).
  void leave() noexcept;
  // Resume or tear down a ready child now (for composites that queue children themselves).
  static void process_ready(child_strand& s) noexcept;
  // Destroy a finished child's root frame (after reading its result).
  static void destroy_root(promise_base* root) noexcept { root->self().destroy(); }

  bool cancel() noexcept override;
  // Children to cancel when this composite is cancelled; implemented by each composite.
  virtual void cancel_children() noexcept = 0;

  task_header* task_ = nullptr;
  // The task's ready queues while in list mode: those of the outermost composite.
  ready_queues* outer_ = nullptr;
  ready_queues queues_;  // used when this composite is the outermost one

  friend ready_queues* task_lists(task_header* t) noexcept;
};

// The ready queues of a task in list mode (null in single mode). Runner only.
ready_queues* task_lists(task_header* t) noexcept;

}  // namespace edo::detail
