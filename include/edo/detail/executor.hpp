// The executor core shared by every scheduler: one run of a task.
//
// A scheduler pops a task, sets the thread's budget, calls run_task() and acts on the
// result. run_task() resumes the strands that are ready (the root strand in single mode,
// the ready queues in list mode), turns a cancellation request into leaf cancellations and
// strand tear-downs, and performs the task's completion.
#pragma once

#include <cstdint>

#include <edo/detail/task_header.hpp>

namespace edo::detail {

enum class run_result : std::uint8_t {
  idle,      // the task waits on leaves; the run's reference was dropped
  notified,  // woken during the run: queue it again (the reference moves to the queue)
  yielded,   // yielded: queue it at the back, RUNNING kept (the reference moves to the queue)
  complete,  // finished; completion done and the run's reference dropped
};

// Runs `t` once on the calling thread. The caller holds the reference of the queue entry
// the task was popped from.
EDO_API run_result run_task(task_header* t) noexcept;

// Runs a blocking-pool task (vtable run_blocking) on the calling thread and completes it;
// a task aborted before it started completes as cancelled without running.
EDO_API void run_blocking_task(task_header* t) noexcept;

// Idle → notified → queued, for tasks a scheduler creates: the caller passes the initial
// state (refcount included); see task_header.hpp.
inline constexpr std::uint64_t initial_state(bool with_handle) noexcept {
  using namespace task_state;
  // references: the queue entry, the owned list and (optionally) the join handle.
  return notified | (with_handle ? (join_interest | 3 * ref_one) : 2 * ref_one);
}

}  // namespace edo::detail
