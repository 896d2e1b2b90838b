// edo::leaf — the public wake contract, for anyone who writes an awaitable for an event
// source (a timer, an fd, a channel slot, a lock, a third-party library's callback).
//
// A leaf is the registration node of one wait. Its protocol:
//
//  1. await_ready(): if the operation can complete at once, complete it and return
//     `consume_budget()`. If that returns false the co-operative budget of this task run is
//     spent: remember the result and, in await_suspend, call `suspend(h)` then
//     `complete_now()` — the result is delivered at the task's next run.
//  2. await_suspend(h): call `suspend(h)` first (it records the strand's resume point), then
//     register `this` with the event source. From that moment the awaiter must not touch its
//     own frame again: another thread may complete the registration at once.
//  3. The event source completes each registration exactly once, by calling `wake()` (from
//     any thread, after releasing its own locks), or by cancellation: the runner calls
//     `cancel()`, which under the source's lock either unlinks the registration and returns
//     true (no wake will ever come) or finds the completion already decided and returns
//     false (the wake has come or will come).
//  4. await_resume() delivers the result. If cancellation was requested after the
//     completion was decided, the strand is torn down instead of resumed and `give_back()`
//     is called first: return the unconsumed result (a message back to the front of its
//     channel, a permit to its semaphore).
//
// Only the executor resumes coroutines: wake() never resumes anything itself; it queues the
// strand and schedules its task (one indirect call at most).
#pragma once

#include <coroutine>
#include <cstdint>
#include <string>

#include <edo/detail/config.hpp>
#include <edo/detail/context.hpp>
#include <edo/detail/strand.hpp>

namespace edo {

class leaf {
 public:
  using edo_awaitable = void;

  // Completes this registration: queue the strand, schedule its task. Any thread; call it
  // once, after the source's lock is released, and do not touch the leaf afterwards.
  void wake() noexcept { detail::wake_strand(strand_); }

 protected:
  leaf() = default;
  leaf(const leaf&) = default;
  leaf& operator=(const leaf&) = default;
  ~leaf() = default;

  // Runner thread, with the source's lock held as needed. True: the registration was
  // unlinked and wake() will never be called for it. False: the completion was already
  // decided; wake() has been or will be called.
  virtual bool cancel() noexcept = 0;
  // The completed result will never be consumed: hand it back to the source. Runner thread.
  virtual void give_back() noexcept {}

 public:
  // For task dumps: what this leaf waits for ("sleep until +1.500s", "mpsc recv", "fd 7
  // readable"). Called on a suspended leaf by a thread that holds the task's run token.
  // The default names the awaiter's type.
  EDO_API virtual void describe(std::string& out) const;

 protected:
  // Records the suspending coroutine as its strand's resume point. Call first in
  // await_suspend.
  template <class P>
  void suspend(std::coroutine_handle<P> h) noexcept {
    static_assert(std::is_base_of_v<detail::promise_base, P>,
                  "edo leaves can be awaited only from edo coroutines (edo::task)");
    detail::strand* s = detail::this_thread_context().current_strand;
    s->top_ = &h.promise();
    s->leaf_ = this;
    strand_ = s;
  }

  // The operation completed inside await_suspend, but the budget is spent: deliver the
  // result at the task's next run.
  void complete_now() noexcept { detail::ready_next_run(strand_); }

  // For await_ready: may an operation that is ready now complete without yielding? Counts
  // one unit of the task's co-operative budget (unlimited outside a runtime).
  static bool consume_budget() noexcept {
    std::int32_t& b = detail::this_thread_context().budget;
    if (b == detail::budget_unlimited) return true;
    if (b == 0) return false;
    --b;
    return true;
  }

  detail::strand* strand_ = nullptr;

  friend struct detail::executor_access;
};

}  // namespace edo
