// State-word transitions of a task (see include/edo/detail/task_header.hpp for the bits).
//
// Atomics on each path (each RMW ~4.7 ns here):
//   wake of an idle task       1 CAS (+ the scheduler's push)
//   wake of a running task     1 CAS
//   run                        1 CAS to running, 1 CAS to idle (0 after a yield)
//   completion                 1 fetch_xor, 1 fetch_sub per reference dropped
#include <edo/detail/task_header.hpp>

#include <cassert>
#include <cstdio>
#include <exception>
#include <thread>

namespace edo::detail {

using namespace task_state;

void report_unhandled(const task_header* t, const std::exception_ptr& e) noexcept {
  const char* what = "(not a std::exception)";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    what = ex.what();
    std::fprintf(stderr, "edo: task %llu%s%s%s ended with an exception nobody awaited: %s\n",
                 static_cast<unsigned long long>(t->id_), t->name() ? " [" : "",
                 t->name() ? t->name() : "", t->name() ? "]" : "", what);
    return;
  } catch (...) {
  }
  std::fprintf(stderr, "edo: task %llu%s%s%s ended with an exception nobody awaited: %s\n",
               static_cast<unsigned long long>(t->id_), t->name() ? " [" : "",
               t->name() ? t->name() : "", t->name() ? "]" : "", what);
}

void task_ref(task_header* t) noexcept {
  // ordering: a new reference is taken from an existing one; nothing to publish.
  t->state_.fetch_add(ref_one, std::memory_order_relaxed);
}

void task_release(task_header* t) noexcept {
  // ordering: release so that this thread's use of the cell happens-before the free;
  // the last dropper acquires before freeing.
  const std::uint64_t prev = t->state_.fetch_sub(ref_one, std::memory_order_acq_rel);
  assert((prev & ref_mask) >= ref_one);
  if ((prev & ref_mask) == ref_one) t->vtable_->dealloc(t);
}

void task_release_n(task_header* t, std::uint64_t n) noexcept {
  // ordering: as task_release.
  const std::uint64_t prev = t->state_.fetch_sub(n * ref_one, std::memory_order_acq_rel);
  assert((prev & ref_mask) >= n * ref_one);
  if ((prev & ref_mask) == n * ref_one) t->vtable_->dealloc(t);
}

void task_wait_last_reference(task_header* t) noexcept {
  // ordering: acquire: the other holders' last uses of the cell happen before our return.
  for (int spins = 0; (t->state_.load(std::memory_order_acquire) & ref_mask) != ref_one; ++spins) {
    if (spins < 128) {
      __builtin_ia32_pause();
    } else {
      std::this_thread::yield();
    }
  }
}

void task_wake(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t next;
    bool submit = false;
    if ((cur & running) != 0) {
      // The runner re-queues it after this run (transition_to_idle sees NOTIFIED).
      next = cur | notified;
    } else if ((cur & (complete | notified)) != 0) {
      return;  // already queued, or nothing left to run
    } else {
      next = (cur | notified) + ref_one;  // the queue entry's reference
      submit = true;
    }
    // ordering: release publishes what the waker wrote (the leaf's result, woken_) to the
    // runner's acquire in transition_to_running / transition_to_idle.
    if (t->state_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
      if (submit) t->sched_->schedule(t);
      return;
    }
  }
}

void task_wake_root(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t next;
    bool submit = false;
    if ((cur & complete) != 0) {
      return;
    } else if ((cur & (running | notified)) != 0) {
      // Running: the runner re-queues it (NOTIFIED); queued: the coming run sees the bit.
      next = cur | notified | root_woken;
    } else {
      next = (cur | notified | root_woken) + ref_one;  // the queue entry's reference
      submit = true;
    }
    // ordering: release publishes the leaf's result to the run that consumes ROOT_WOKEN
    // (transition_to_running's acquire).
    if (t->state_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
      if (submit) t->sched_->schedule(t);
      return;
    }
  }
}

void task_cancel(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t next;
    bool submit = false;
    if ((cur & (cancelled | complete)) != 0) {
      return;
    } else if ((cur & running) != 0) {
      next = cur | notified | cancelled;
    } else if ((cur & notified) != 0) {
      next = cur | cancelled;  // queued: the run will see it
    } else {
      next = (cur | notified | cancelled) + ref_one;
      submit = true;
    }
    // ordering: as task_wake.
    if (t->state_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
      if (submit) t->sched_->schedule(t);
      return;
    }
  }
}

bool task_try_claim(task_header* t, std::uint64_t& seen) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_acquire);
  for (;;) {
    seen = cur;
    if ((cur & (running | notified | complete)) != 0) return false;
    // ordering: acquire: the strands' fields written by the last runner (its release in
    // transition_to_idle).
    if (t->state_.compare_exchange_weak(cur, cur | running, std::memory_order_acquire,
                                        std::memory_order_acquire)) {
      return true;
    }
  }
}

void task_release_claim(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_relaxed);
  for (;;) {
    // A wake or a cancellation during the claim set NOTIFIED without queueing the task
    // (it looked running): queue it now, with a reference for the queue entry.
    const bool queue = (cur & notified) != 0;
    const std::uint64_t next = (cur & ~running) + (queue ? ref_one : 0);
    if (t->state_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed)) {
      if (queue) t->sched_->schedule(t);
      return;
    }
  }
}

bool task_set_join_waker(task_header* t, leaf* w) noexcept {
  t->join_waiter_ = w;  // owned by the handle until JOIN_WAKER is set
  std::uint64_t cur = t->state_.load(std::memory_order_acquire);
  for (;;) {
    assert((cur & join_interest) != 0 && (cur & join_waker) == 0);
    if ((cur & complete) != 0) return false;
    // ordering: release publishes join_waiter_ to the completer's acquire fetch_xor.
    if (t->state_.compare_exchange_weak(cur, cur | join_waker, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      return true;
    }
  }
}

bool task_unset_join_waker(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_acquire);
  for (;;) {
    assert((cur & join_waker) != 0);
    if ((cur & complete) != 0) return false;  // the completer owns the waker: wake is coming
    if (t->state_.compare_exchange_weak(cur, cur & ~join_waker, std::memory_order_acq_rel,
                                        std::memory_order_acquire)) {
      return true;
    }
  }
}

void task_drop_join_handle(task_header* t) noexcept {
  std::uint64_t cur = t->state_.load(std::memory_order_acquire);
  for (;;) {
    if ((cur & complete) != 0) {
      // The task finished while the handle existed: the handle drops the output.
      if (t->outcome_ == task_outcome::exception) report_unhandled(t, t->vtable_->exception(t));
      t->vtable_->drop_output(t);
      task_release(t);
      return;
    }
    // Not complete: other references exist (the run's, the owned list's), so clearing the
    // interest and dropping the handle's reference is one CAS that cannot free the cell.
    if (t->state_.compare_exchange_weak(cur, (cur & ~join_interest) - ref_one,
                                        std::memory_order_acq_rel, std::memory_order_acquire)) {
      return;  // the completer will see no interest and drop the output itself
    }
  }
}

void free_task_extra(task_extra* e) noexcept {
  delete e;
}

}  // namespace edo::detail
