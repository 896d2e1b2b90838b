// One run of a task: resuming ready strands, cancellation, tear-down and completion.
//
// Everything here runs on the runner thread, except wake_strand() and
// ready_queues::push_remote(), which any thread may call.
//
// Cancellation (DESIGN.md): a request marks strands `cancel_requested`; for a strand
// suspended on a leaf the runner calls leaf->cancel(). If the registration was unlinked the
// strand is torn down at once; otherwise its wake is decided and, when it arrives, the
// leaf's result is given back and the strand torn down instead of resumed. Tear-down
// destroys the chain's frames innermost first by walking parent_ links — no recursion, no
// exception through user frames. A shielded strand (shield_ > 0) is left alone until it
// suspends outside the shield.
#include <edo/detail/composite.hpp>
#include <edo/detail/executor.hpp>
#include <edo/detail/shuffle.hpp>

#include <cassert>

namespace edo::detail {

using namespace task_state;

struct executor_access {
  static bool cancel(leaf* l) noexcept { return l->cancel(); }
  static void give_back(leaf* l) noexcept { l->give_back(); }
};

namespace {

void teardown(strand* s) noexcept;
void resume_strand(strand* s) noexcept;

// Request cancellation of the leaf `s` is suspended on.
void send_cancel(strand* s) noexcept {
  s->flags_ |= strand_flag::cancel_sent;
  if (executor_access::cancel(s->leaf_)) teardown(s);
}

// True if `s`'s leaf completed and the strand waits to be processed.
bool is_woken(strand* s) noexcept {
  if (s->woken_.load(std::memory_order_relaxed)) return true;
  if (!s->is_root()) return false;
  auto* t = static_cast<task_header*>(s);
  return t->root_deferred_ ||
         (t->state_.load(std::memory_order_acquire) & task_state::root_woken) != 0;
}

// Cancel `s`: now if it waits on a leaf, else when it next suspends or is dequeued.
void request_cancel(strand* s) noexcept {
  if (s->has(strand_flag::cancel_requested)) return;
  s->flags_ |= strand_flag::cancel_requested;
  if (s->shield_ == 0 && s->leaf_ != nullptr && s->has(strand_flag::started) && !is_woken(s)) {
    send_cancel(s);
  }
}

void end_strand(strand* s, promise_base* finished_root) noexcept {
  if (s->is_root()) {
    auto* t = static_cast<task_header*>(s);
    t->vtable_->root_done(t, finished_root);
  } else {
    auto* c = static_cast<child_strand*>(s);
    c->owner_->child_done(c, finished_root);
  }
}

// Destroys the frames of `s`, innermost first, and reports it to its owner.
void teardown(strand* s) noexcept {
  promise_base* p = s->top_;
  while (p != nullptr) {
    promise_base* parent = p->parent_;
    p->self().destroy();
    p = parent;
  }
  s->top_ = nullptr;
  s->leaf_ = nullptr;
  s->flags_ |= strand_flag::torn_down;
  end_strand(s, nullptr);
}

// A dequeued strand: resume it, or tear it down if it is being cancelled.
void process(strand* s) noexcept {
  if (s->has(strand_flag::cancel_requested) && s->shield_ == 0) {
    if (s->leaf_ != nullptr) executor_access::give_back(s->leaf_);
    teardown(s);
    return;
  }
  resume_strand(s);
}

void resume_strand(strand* s) noexcept {
  thread_context& ctx = tls;
  ctx.current_strand = s;
  ctx.locals = s->locals_;
  s->leaf_ = nullptr;
  s->flags_ =
      static_cast<std::uint8_t>((s->flags_ | strand_flag::started) & ~strand_flag::cancel_sent);
  if (EDO_UNLIKELY(s->unconstrained_ != 0)) {
    const std::int32_t saved = ctx.budget;
    ctx.budget = budget_unlimited;
    s->top_->self().resume();
    ctx.budget = saved;
  } else {
    s->top_->self().resume();
  }
  s->locals_ = ctx.locals;
  // The strand is suspended on a new leaf, finished, or waiting for its next run.
  if (s->leaf_ != nullptr && s->has(strand_flag::cancel_requested) &&
      !s->has(strand_flag::cancel_sent) && s->shield_ == 0) {
    send_cancel(s);
  }
}

void process_child(child_strand* c) noexcept {
  if (c->has(strand_flag::special)) {
    c->owner_->on_special(c);
  } else {
    c->woken_.store(false, std::memory_order_relaxed);
    process(c);
  }
}

void complete_task(task_header* t) noexcept {
  // A task someone will join leaves the owned list before the state says complete: a joiner
  // that sees the result (woken, or polling) no longer counts it as alive. One nobody joins
  // leaves it after its output is dropped, so that no destructor of its runs after shutdown
  // saw the list empty. (A handle dropped in between: the output is dropped after leaving.)
  // ordering: relaxed: a hint; the fetch_xor below decides who drops the output.
  const bool leave_first = (t->state_.load(std::memory_order_relaxed) & join_interest) != 0;
  if (leave_first) t->sched_->release(t);
  // ordering: acq_rel: release publishes the output to the joiner; acquire sees the
  // join_waiter_ registered by the joiner's release CAS.
  const std::uint64_t prev = t->state_.fetch_xor(running | complete, std::memory_order_acq_rel);
  assert((prev & running) != 0 && (prev & complete) == 0);
  if ((prev & join_interest) == 0) {
    if (t->outcome_ == task_outcome::exception) {
      t->sched_->unhandled_exception(t, t->vtable_->exception(t));
    }
    t->vtable_->drop_output(t);
  } else if ((prev & join_waker) != 0) {
    t->join_waiter_->wake();
  }
  if (!leave_first) t->sched_->release(t);
  task_release_n(t, 2);  // the owned list's and the run's references
}

}  // namespace

void promise_base::final_awaiter::strand_root_done(promise_base* root) noexcept {
  // Called from the final_suspend of a strand's root with the strand still current.
  strand* s = tls.current_strand;
  s->flags_ |= strand_flag::done;
  s->top_ = root;
  end_strand(s, root);
}

void wake_strand(strand* s) noexcept {
  if (s->is_root()) {
    // One CAS publishes the wake and schedules the run; `s` may be gone right after.
    task_wake_root(static_cast<task_header*>(s));
  } else {
    auto* c = static_cast<child_strand*>(s);
    c->owner_->child_woken(c);
  }
}

void ready_next_run(strand* s) noexcept {
  task_header* t = tls.current_task;
  t->yield_requested_ = true;
  if (s->is_root()) {
    t->root_deferred_ = true;
  } else {
    auto* c = static_cast<child_strand*>(s);
    c->owner_->queues()->push_deferred(c);
  }
}

// ---- ready queues and composites ----

void ready_queues::push_remote(child_strand* s) noexcept {
  child_strand* head = remote_.load(std::memory_order_relaxed);
  do {
    s->next_ = head;
  } while (!remote_.compare_exchange_weak(head, s, std::memory_order_release,
                                          std::memory_order_relaxed));
}

bool ready_queues::collect(bool deferred) noexcept {
  bool moved = false;
  if (deferred && deferred_head_ != nullptr) {
    if (tail_ != nullptr) {
      tail_->next_ = deferred_head_;
    } else {
      head_ = deferred_head_;
    }
    tail_ = deferred_tail_;
    deferred_head_ = deferred_tail_ = nullptr;
    moved = true;
  }
  if (remote_.load(std::memory_order_relaxed) != nullptr) {
    // ordering: acquire pairs with push_remote's release.
    child_strand* s = remote_.exchange(nullptr, std::memory_order_acquire);
    // The stack holds wakes newest first: reverse into wake order (or, in a shuffled
    // test build, any order).
    child_strand* rev = nullptr;
    while (s != nullptr) {
      child_strand* next = s->next_;
      if (shuffle_coin() && rev != nullptr) {
        s->next_ = rev->next_;  // insert second instead of first
        rev->next_ = s;
      } else {
        s->next_ = rev;
        rev = s;
      }
      s = next;
    }
    while (rev != nullptr) {
      child_strand* next = rev->next_;
      push_local(rev);
      rev = next;
    }
    moved = true;
  }
  return moved;
}

void composite::child_woken(child_strand* s) noexcept {
  // Once `s` is published a runner that is running the task may finish this composite
  // (and its frame), and even the task: read what is needed first and hold a reference on
  // the task until the wake is done (list mode only; the root strand's wake needs none).
  task_header* const t = task_;
  ready_queues* const q = outer_;
  task_ref(t);
  s->woken_.store(true, std::memory_order_relaxed);
  q->push_remote(s);
  task_wake(t);
  task_release(t);
}

void composite::on_special(child_strand*) noexcept {}

void composite::for_each_branch(void (*)(void*, const child_strand&), void*) const {}

void composite::process_ready(child_strand& s) noexcept {
  process_child(&s);
}

ready_queues* task_lists(task_header* t) noexcept {
  if (t->list_depth_ == 0) return nullptr;
  // The root strand is suspended on the outermost composite while list mode lasts.
  return static_cast<composite*>(t->leaf_)->outer_;
}

void composite::enter() noexcept {
  task_ = tls.current_task;
  // The outermost composite lends its queues; nested ones use the same.
  outer_ = strand_->is_root() ? &queues_ : static_cast<child_strand*>(strand_)->owner_->outer_;
  ++task_->list_depth_;
}

void composite::leave() noexcept {
  --task_->list_depth_;
  assert(outer_ != &queues_ || (queues_.head_ == nullptr && queues_.deferred_head_ == nullptr));
}

void composite::start_child(child_strand& s, promise_base* root, std::uint32_t index) noexcept {
  s.top_ = root;
  s.owner_ = this;
  s.index_ = index;
  // A child inherits what its parent strand is under: a shield, a cancellation request.
  s.shield_ = strand_->shield_ > 0 ? 1 : 0;
  s.unconstrained_ = strand_->unconstrained_ > 0 ? 1 : 0;
  s.locals_ = tls.locals;
  s.flags_ = strand_->has(strand_flag::cancel_requested) ? strand_flag::cancel_requested : 0;
  outer_->push_local(&s);
}

void composite::run_child_inline(child_strand& s, promise_base* root,
                                 std::uint32_t index) noexcept {
  s.top_ = root;
  s.owner_ = this;
  s.index_ = index;
  s.shield_ = strand_->shield_ > 0 ? 1 : 0;
  s.unconstrained_ = strand_->unconstrained_ > 0 ? 1 : 0;
  s.locals_ = tls.locals;
  s.flags_ = 0;
  strand* parent = tls.current_strand;
  local_scope* parent_locals = tls.locals;
  resume_strand(&s);
  tls.current_strand = parent;
  tls.locals = parent_locals;
}

void composite::init_special(child_strand& s) noexcept {
  s.owner_ = this;
  s.index_ = 0;
  s.flags_ = strand_flag::special;
}

void composite::cancel_child(child_strand& s) noexcept {
  if (s.has(strand_flag::done) || s.has(strand_flag::torn_down)) return;
  request_cancel(&s);
}

void composite::finish() noexcept {
  leave();
  // Same run, same thread: the awaiting strand is ready now.
  strand* p = strand_;
  if (p->is_root()) {
    p->woken_.store(true, std::memory_order_relaxed);
  } else {
    auto* c = static_cast<child_strand*>(p);
    c->woken_.store(true, std::memory_order_relaxed);
    outer_->push_local(c);
  }
}

bool composite::cancel() noexcept {
  cancel_children();
  return false;  // completion comes through finish() once every child is gone
}

// ---- the run ----

namespace {

// Returns the state before the transition (ROOT_WOKEN, CANCELLED are read from it).
std::uint64_t transition_to_running(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_relaxed);
  for (;;) {
    assert((cur & notified) != 0 && (cur & (running | complete)) == 0);
    const std::uint64_t next = (cur & ~(notified | root_woken)) | running;
    // ordering: acquire pairs with the wakers' release (leaf results).
    if (t->state_.compare_exchange_weak(cur, next, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      return cur;
    }
  }
}

// True if the task was notified during the run and must be queued again.
bool transition_to_idle(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_relaxed);
  for (;;) {
    assert((cur & running) != 0);
    const bool again = (cur & notified) != 0;
    const std::uint64_t next = cur & ~running;
    // ordering: release publishes this run's writes to the next runner; acquire sees the
    // writes of wakes that set NOTIFIED during the run.
    if (t->state_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
      if (again) {
        // The queue entry takes over the run's reference; clear NOTIFIED only when the
        // task is popped (transition_to_running), as a fresh notification would.
        return true;
      }
      return false;
    }
  }
}

void drain(task_header* t) noexcept {
  for (;;) {
    // The root made ready by this run (a composite finished); wakes from leaves come
    // through ROOT_WOKEN at the start of a run.
    if (t->woken_.load(std::memory_order_relaxed)) {
      t->woken_.store(false, std::memory_order_relaxed);
      process(t);
      continue;
    }
    ready_queues* q = task_lists(t);
    if (q == nullptr) break;
    if (child_strand* c = q->pop_local()) {
      process_child(c);
      continue;
    }
    if (!q->collect(false)) break;
  }
}

}  // namespace

void run_blocking_task(task_header* t) noexcept {
  const std::uint64_t snap = transition_to_running(t);
  if ((snap & cancelled) != 0) {
    t->vtable_->root_done(t, nullptr);  // aborted before it started
  } else {
    t->vtable_->run_blocking(t);
  }
  complete_task(t);
}

run_result run_task(task_header* t) noexcept {
  thread_context& ctx = tls;
  ctx.current_task = t;
  std::uint64_t snap;
  if (t->yielded_) {
    t->yielded_ = false;
    snap = t->state_.load(std::memory_order_acquire);
    // A wake that arrived while the task sat in the queue after a yield.
    if ((snap & root_woken) != 0) {
      snap = t->state_.fetch_and(~root_woken, std::memory_order_acquire);
    }
  } else {
    snap = transition_to_running(t);
  }
  if ((snap & root_woken) != 0) t->woken_.store(true, std::memory_order_relaxed);

  if ((snap & cancelled) != 0 && !t->cancel_seen_) {
    t->cancel_seen_ = true;
    if (!t->has(strand_flag::started)) {
      // Never started: drop it without running a line of it.
      t->flags_ |= strand_flag::cancel_requested;
      teardown(t);
    } else {
      request_cancel(t);
    }
  }

  if (t->outcome_ == task_outcome::pending) {
    // Strands that yielded in the previous run go first; those yielding now wait.
    if (ready_queues* q = task_lists(t)) q->collect(true);
    if (!t->has(strand_flag::started)) {
      resume_strand(t);
    } else if (t->root_deferred_) {
      t->root_deferred_ = false;
      process(t);
    }
    drain(t);
  }
  // What the run left for its end (defer_to_run_end): before the task can run elsewhere.
  if (EDO_UNLIKELY(ctx.run_end_fn != nullptr)) run_end_actions();

  ctx.current_task = nullptr;
  ctx.current_strand = nullptr;

  if (t->outcome_ != task_outcome::pending) {
    complete_task(t);
    return run_result::complete;
  }
  if (t->yield_requested_) {
    t->yield_requested_ = false;
    t->yielded_ = true;
    return run_result::yielded;
  }
  if (transition_to_idle(t)) return run_result::notified;
  task_release(t);
  return run_result::idle;
}

}  // namespace edo::detail

namespace edo::detail {

void complete_unstarted(task_header* t) noexcept {
  using namespace task_state;
  // Never queued, never run: destroy the frame without running a line of it.
  t->flags_ |= strand_flag::cancel_requested;
  teardown(t);
  std::uint64_t cur = t->state_.load(std::memory_order_relaxed);
  while (!t->state_.compare_exchange_weak(cur, (cur & ~notified) | complete | cancelled,
                                          std::memory_order_acq_rel, std::memory_order_relaxed)) {
  }
  task_release_n(t, 2);  // the queue entry's and the owned list's references
}

}  // namespace edo::detail
