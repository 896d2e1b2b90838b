// select's ready-branch dispatch: branches become ready in any order on any thread; the
// runner resumes them lowest index first, so the lowest index wins a tie.
#include <edo/select.hpp>

namespace edo::detail {

void select_base::child_woken(child_strand* s) noexcept {
  // Read everything before publishing: once dispatch_ is pushed, a runner that is running
  // the task may finish this select (and its frame) before the task_wake below.
  // (A reference keeps the task alive until the wake is done: see composite::child_woken.)
  task_header* const t = task_;
  ready_queues* const q = outer_;
  task_ref(t);
  s->woken_.store(true, std::memory_order_relaxed);
  const std::uint64_t bit = std::uint64_t{1} << s->index_;
  // ordering: acq_rel: release publishes the branch's leaf result to the runner.
  if (ready_mask_.fetch_or(bit, std::memory_order_acq_rel) == 0) {
    q->push_remote(&dispatch_);
    task_wake(t);
  }
  task_release(t);
}

void select_base::on_special(child_strand*) noexcept {
  // ordering: acquire pairs with child_woken's fetch_or.
  std::uint64_t m = ready_mask_.exchange(0, std::memory_order_acquire);
  while (m != 0) {
    const auto i = static_cast<std::uint32_t>(__builtin_ctzll(m));
    m &= m - 1;
    process_ready(branch_strand(i));
  }
}

}  // namespace edo::detail
