// edo::block_on's executor (see include/edo/detail/local_executor.hpp).
#include <edo/detail/local_executor.hpp>

#include <stdexcept>

#include <edo/detail/context.hpp>
#include <edo/detail/executor.hpp>

#include "futex.hpp"  // src/core

namespace edo::detail {

void local_executor::schedule(task_header*) noexcept {
  // The woken thread counts as busy from now on (before it actually wakes), so that a
  // paused clock never auto-advances in between.
  if (busy_ != nullptr) busy_->fetch_add(1, std::memory_order_seq_cst);
  pending_.store(1, std::memory_order_release);
  thread_notify(pending_);
}

void local_executor::release(task_header*) noexcept {}

void local_executor::unhandled_exception(task_header* t, std::exception_ptr e) noexcept {
  report_unhandled(t, e);
}

void local_executor::run(task_header* t) {
  thread_context& ctx = tls;
  if (ctx.current_task != nullptr) {
    throw std::logic_error(
        "edo::block_on called from inside a task: it would block the thread that runs the "
        "task; co_await the task instead");
  }
  const std::int32_t saved_budget = ctx.budget;
  ctx.budget = budget_unlimited;
  bool queued = true;  // the pseudo-task starts notified
  if (busy_ != nullptr) busy_->fetch_add(1, std::memory_order_seq_cst);
  for (;;) {
    if (!queued) {
      // ordering: acquire pairs with schedule()'s release.
      // Either way schedule() counted this thread busy once more: give one back.
      if (busy_ != nullptr) busy_->fetch_sub(1, std::memory_order_seq_cst);
      if (pending_.exchange(0, std::memory_order_acquire) == 0) {
        if (on_idle_ != nullptr) on_idle_(idle_ctx_);
        while (pending_.exchange(0, std::memory_order_acquire) == 0) {
          thread_wait(pending_, 0);
        }
      }
    }
    const run_result r = run_task(t);
    if (r == run_result::complete) break;
    queued = (r != run_result::idle);
  }
  if (busy_ != nullptr) busy_->fetch_sub(1, std::memory_order_seq_cst);
  ctx.budget = saved_budget;
}

}  // namespace edo::detail
