// The narrow interface between edo's public templates (spawn, join_handle, time) and the
// compiled runtime (src/runtime). Everything here is out of line: the scheduler, the timer
// wheels and the drivers compile once.
#pragma once

#include <chrono>
#include <cstdint>
#include <source_location>

#include <edo/detail/config.hpp>
#include <edo/detail/task_header.hpp>
#include <edo/detail/timer_entry.hpp>

namespace edo::detail {

class runtime_context;  // src/runtime/context.hpp

// The runtime entered on this thread. Throws edo::no_runtime naming `what` when there is
// none (the twin of Tokio's "there is no reactor running...").
EDO_API runtime_context& current_runtime(const char* what);
// Scheduler and id for a new task of `rt` (`local`: pinned to the current worker thread).
EDO_API scheduler* spawn_scheduler(runtime_context& rt, bool local);
EDO_API std::uint64_t next_task_id(runtime_context& rt) noexcept;
// Records where a new task was spawned (and, for a named task or when `rt` tracks tasks,
// allocates its name/statistics block; out of memory, the task goes without), then hands it
// (notified, with its queue and owned-list references) to `rt`. If the runtime is shutting
// down the task completes as cancelled without running. One call per spawn: the spawn
// location costs a store, not a call.
EDO_API void submit_task(runtime_context& rt, task_header* t, std::source_location loc,
                         const char* name) noexcept;

// ---- time ----
using clock_time = std::chrono::steady_clock::time_point;

// The timer queue of the current thread's runtime (its worker's wheel). Throws no_runtime
// when there is no runtime or its time driver is disabled.
EDO_API timer_queue& current_timer_queue(const char* what);
// Throws no_runtime (naming `what`) unless the current runtime has a time driver.
EDO_API void require_time(const char* what);
// Registers `e` to wake e.target_ at `deadline`. False: the deadline has already passed
// (nothing registered; complete now).
EDO_API bool timer_arm(timer_queue& q, timer_entry& e, clock_time deadline) noexcept;
// Unregisters `e`. True: unlinked, no wake will come. False: it fired; the wake is decided.
EDO_API bool timer_cancel(timer_entry& e) noexcept;
// Now, by the current runtime's clock (paused or not), or std::chrono::steady_clock.
EDO_API clock_time clock_now() noexcept;

// Completes a task that never ran as cancelled (spawn refused during shutdown).
EDO_API void complete_unstarted(task_header* t) noexcept;

}  // namespace edo::detail
