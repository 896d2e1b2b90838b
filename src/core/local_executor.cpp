// edo::block_on's executor (see include/edo/detail/local_executor.hpp).
#include <edo/detail/local_executor.hpp>

#include <stdexcept>

#include <edo/detail/context.hpp>
#include <edo/detail/executor.hpp>

namespace edo::detail {

void local_executor::schedule(task_header*) noexcept {
  pending_.store(1, std::memory_order_release);
  pending_.notify_one();
}

void local_executor::release(task_header* t) noexcept { task_release(t); }

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
  for (;;) {
    if (!queued) {
      // ordering: acquire pairs with schedule()'s release.
      while (pending_.exchange(0, std::memory_order_acquire) == 0) {
        pending_.wait(0, std::memory_order_acquire);
      }
    }
    const run_result r = run_task(t);
    if (r == run_result::complete) break;
    queued = (r != run_result::idle);
  }
  ctx.budget = saved_budget;
}

}  // namespace edo::detail
