// The header of every task: its state word, its root strand and what its scheduler needs.
//
// State word (one atomic, as in Tokio's runtime/task/state.rs). Bits:
//   RUNNING       a thread owns the task: it is inside a run, or queued after a yield
//   COMPLETE      the root strand finished or was torn down; the output is in the cell
//   NOTIFIED      a run is owed: a leaf completed, cancellation was requested, or first run
//   CANCELLED     cancellation was requested (abort, shutdown)
//   JOIN_INTEREST a join_handle exists and will read or drop the output
//   JOIN_WAKER    the join_handle's awaiter is registered in join_waiter_ and owned by
//                 the task until COMPLETE; while JOIN_WAKER is clear the handle owns it
//   ROOT_WOKEN    the root strand's leaf completed. Set in the same CAS that makes the run
//                 owed (NOTIFIED), so a waker never touches the task after publishing the
//                 wake: the task may finish and be freed at once.
//   refcount      the upper bits: one reference per join_handle, per membership of the
//                 scheduler's owned list, and per run-queue entry (or run in progress)
//
// The rules that keep every task on one thread at a time:
//  * Only a NOTIFIED task is pushed onto a run queue, and the wake that sets NOTIFIED on an
//    idle task is the one that pushes it (taking a reference for the queue entry).
//  * A wake that finds RUNNING only sets NOTIFIED; the runner sees it in transition_to_idle
//    and re-queues the task itself. So no coroutine is resumed while another thread is
//    still inside its await_suspend.
//  * A yield re-queues a task with RUNNING still set and without touching the state word;
//    the next run skips transition_to_running (task_header::yielded_).
//
// Completion order (DESIGN.md): the result is moved into the cell, the root frame and the
// stored callable are destroyed, and only then is COMPLETE published: a joiner on another
// thread may free the cell the moment it sees it.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <source_location>
#include <string>

#include <edo/detail/config.hpp>
#include <edo/detail/strand.hpp>

namespace edo::detail {

namespace task_state {
inline constexpr std::uint64_t running = 1u << 0;
inline constexpr std::uint64_t complete = 1u << 1;
inline constexpr std::uint64_t notified = 1u << 2;
inline constexpr std::uint64_t cancelled = 1u << 3;
inline constexpr std::uint64_t join_interest = 1u << 4;
inline constexpr std::uint64_t join_waker = 1u << 5;
inline constexpr std::uint64_t root_woken = 1u << 6;
inline constexpr std::uint64_t ref_one = 1u << 7;
inline constexpr std::uint64_t ref_mask = ~(ref_one - 1);
}  // namespace task_state

// What a task ended with, as seen by its join_handle. `taken`: the handle consumed it.
enum class task_outcome : std::uint8_t { pending, value, exception, cancelled, taken };

struct task_header;
struct task_extra;
EDO_API void free_task_extra(task_extra* e) noexcept;

// What most tasks do without: a name and run statistics (observability). Allocated at spawn
// for named tasks, or for every task when the runtime tracks tasks; freed with the cell.
struct task_extra {
  std::string name;
  // ordering: statistics, written by the runner, read by dumps (relaxed).
  std::atomic<std::uint64_t> run_count{0};
  std::atomic<std::uint64_t> busy_ns{0};
  std::atomic<std::int64_t> last_run_ns{0};  // steady_clock time of the last run's end
};

// Type-specific operations of a task cell.
struct task_vtable {
  // The root strand ended (runner thread). `root` is the finished root coroutine's promise:
  // move its result into the cell and destroy its frame; null when the strand was torn down
  // (its frames are already destroyed). Then destroy the stored callable.
  void (*root_done)(task_header*, promise_base* root) noexcept;
  // Destroy the output nobody will read (the join_handle is gone).
  void (*drop_output)(task_header*) noexcept;
  // A copy of the stored exception (outcome_ == exception).
  std::exception_ptr (*exception)(task_header*) noexcept;
  // Free the cell (last reference dropped).
  void (*dealloc)(task_header*) noexcept;
  // Blocking-pool tasks only: run the stored function, storing its result or exception.
  void (*run_blocking)(task_header*) noexcept = nullptr;
};

// A scheduler as seen by the core: the block_on executor, the current-thread and the
// multi-thread schedulers implement it. One virtual call per cross-run wake; same-thread
// wakes stay on the scheduler's local queue without locks.
class scheduler {
 public:
  // `t` was notified while idle: queue it. Takes the reference of the notification.
  virtual void schedule(task_header* t) noexcept = 0;
  // `t` completed: remove it from the owned list (if it is in one). The list's reference is
  // dropped by the caller, together with the run's (one atomic). Runner thread.
  virtual void release(task_header* t) noexcept = 0;
  // The exception of a task whose join_handle is gone would otherwise be lost.
  virtual void unhandled_exception(task_header* t, std::exception_ptr e) noexcept = 0;

 protected:
  ~scheduler() = default;
};

struct task_header : strand {
  std::atomic<std::uint64_t> state_;
  const task_vtable* vtable_;
  scheduler* sched_;
  std::uint64_t id_;
  // Owned-list links, guarded by the scheduler's owned-list lock.
  task_header* owned_prev_ = nullptr;
  task_header* owned_next_ = nullptr;
  // The join_handle awaiter; owned by the task while JOIN_WAKER is set.
  leaf* join_waiter_ = nullptr;
  // Runner-only flags.
  bool yielded_ = false;      // queued by a yield with RUNNING kept
  bool cancel_seen_ = false;  // CANCELLED has been turned into a strand cancellation
  task_outcome outcome_ = task_outcome::pending;
  bool yield_requested_ = false;  // this run ends with a yield (budget spent, yield_now)
  bool in_owned_list_ = false;    // member of its runtime's owned list (its lock guards this)
  bool root_deferred_ = false;    // the root strand is ready at the next run
  // Nesting depth of active composites: the task is in list mode while > 0 (the ready
  // queues then belong to the outermost composite, the root strand's leaf). Runner only.
  std::uint16_t list_depth_ = 0;
  // Where it was spawned (dumps, reports); empty for block_on's task.
  std::source_location loc_{};
  // Name and run statistics, allocated only for named tasks or when task tracking is on.
  task_extra* extra_ = nullptr;

  ~task_header() {
    if (EDO_UNLIKELY(extra_ != nullptr)) free_task_extra(extra_);  // out of line: rare
  }
  const char* name() const noexcept { return extra_ != nullptr ? extra_->name.c_str() : nullptr; }

  task_header(const task_vtable* vt, scheduler* s, std::uint64_t id, std::uint64_t initial)
      : state_(initial), vtable_(vt), sched_(s), id_(id) {
    index_ = root_index;
  }

  std::uint64_t load_state() const noexcept { return state_.load(std::memory_order_acquire); }
};

// ---- state transitions (src/core/task_state.cpp) ----

// A child strand was queued (list mode), or the task must run again: make sure a run
// follows. Any thread; the caller must hold a reference or otherwise keep `t` alive.
EDO_API void task_wake(task_header* t) noexcept;
// The root strand's leaf completed: record it and make sure a run follows, in one CAS after
// which the caller must not touch `t`. Any thread.
EDO_API void task_wake_root(task_header* t) noexcept;
// Request cancellation (abort, shutdown). Any thread.
EDO_API void task_cancel(task_header* t) noexcept;
// Drop one reference; the last one frees the cell.
EDO_API void task_release(task_header* t) noexcept;
// Drops `n` references at once.
EDO_API void task_release_n(task_header* t, std::uint64_t n) noexcept;
EDO_API void task_ref(task_header* t) noexcept;

// join_handle side.
// Registers `w` as the join waiter unless the task is complete. True: registered (the task
// will wake it). False: already complete, read the output now.
EDO_API bool task_set_join_waker(task_header* t, leaf* w) noexcept;
// Takes the join waiter back. True: detached (no wake will come). False: the task completed
// meanwhile and the wake is decided.
EDO_API bool task_unset_join_waker(task_header* t) noexcept;
// The join_handle is dropped: clear JOIN_INTEREST (dropping the output if the task already
// completed; an exception nobody took is reported on stderr) and release the handle's
// reference.
EDO_API void task_drop_join_handle(task_header* t) noexcept;

// Prints "edo: task <id> [<name>] ended with an exception nobody awaited: <what>".
EDO_API void report_unhandled(const task_header* t, const std::exception_ptr& e) noexcept;

// Task dumps: takes the task's run token if it is idle (not running, not queued, not
// complete), so its strands can be read; the task is held off only as long as the claim.
// Returns the state word seen. Release with task_release_claim (which schedules the task if
// a wake came meanwhile).
EDO_API bool task_try_claim(task_header* t, std::uint64_t& seen) noexcept;
EDO_API void task_release_claim(task_header* t) noexcept;

// Before a task cell that lives on a stack (block_on's) goes away: waits until only the
// caller's reference is left. A waker of one of its child strands holds a reference for the
// few instructions after its wake was published (see composite::child_woken).
EDO_API void task_wait_last_reference(task_header* t) noexcept;

// The task's outcome after COMPLETE was observed with acquire ordering.
inline bool task_is_complete(const task_header* t) noexcept {
  return (t->load_state() & task_state::complete) != 0;
}

}  // namespace edo::detail
