// The one per-thread state block of edo: which task and strand the executor is running
// on this thread, the co-operative budget, the frame cache and the runtime entered.
//
// It is a single `constinit thread_local` with the initial-exec TLS model, so every access
// is one %fs-relative load, with no TLS wrapper call and no lazy initialisation. Only the
// thread that owns the block ever touches it: no field is atomic.
#pragma once

#include <cstdint>

#include <edo/detail/config.hpp>

namespace edo::detail {

struct strand;
struct task_header;
struct local_scope;
class frame_cache;
class runtime_context;

// Budget value meaning "no co-operative budget applies" (outside a runtime, `unconstrained`).
inline constexpr std::int32_t budget_unlimited = -1;
// Leaf operations a task may complete without suspending in one run (Tokio's 128).
inline constexpr std::int32_t budget_per_run = 128;

struct thread_context {
  // The strand the executor resumed last on this thread; valid while a task runs here.
  strand* current_strand = nullptr;
  // The task whose run is in progress on this thread, or null between runs.
  task_header* current_task = nullptr;
  // Remaining co-operative budget of the current run, or budget_unlimited.
  std::int32_t budget = budget_unlimited;
  // This thread's coroutine-frame cache; null before first use and after thread exit.
  frame_cache* cache = nullptr;
  // The runtime entered on this thread (set by runtime workers, runtime::block_on and
  // runtime_handle::enter); null when no runtime is available. Defined in edo::edo; the
  // core only carries the pointer.
  runtime_context* runtime = nullptr;
  // The scheduler loop running on this thread (a current-thread runtime's core or a
  // multi-thread worker); null elsewhere. Wakes on this thread go to its local queue.
  void* worker = nullptr;
  // The task-local scopes of the strand running now (see edo::task_local).
  local_scope* locals = nullptr;
  // Work the task running now left for the end of its run (one slot; see defer_to_run_end).
  void (*run_end_fn)(void*) noexcept = nullptr;
  void* run_end_arg = nullptr;
};

extern constinit thread_local thread_context tls [[gnu::tls_model("initial-exec")]];

// A coroutine may resume on another thread, but clang 16 can compute a thread_local's
// address once in a coroutine body and reuse it after a suspension point
// (llvm/llvm-project#47179): the coroutine then reads the thread context of the thread it
// ran on before. Code that can be inlined into a coroutine body (leaves, awaitables) reaches
// the per-thread block through this out-of-line function, never through `tls` directly;
// compiled code (src/) uses `tls`.
EDO_API thread_context& this_thread_context() noexcept;

// Leaves fn(arg) for the end of the run of the task running on this thread: run_task calls
// it when the run ends (the task suspended, yielded or finished), before the task can run
// anywhere else; block_in_place calls it before blocking. One slot: an action left by
// another source is carried out first, to make room. For a source that would otherwise act
// on every operation of a run (edo::sync::mpsc hands the room a receive frees to waiting
// senders: once per run instead of once per receive). fn must not block, throw or resume
// anything; it may wake tasks.
//   now:     no task runs on this thread (outside a runtime's run): act now instead;
//   added:   fn(arg) will run;
//   pending: fn(arg) was already left in this run and has not run yet.
enum class run_end_deferral : std::uint8_t { now, added, pending };
EDO_API run_end_deferral defer_to_run_end(void (*fn)(void*) noexcept, void* arg) noexcept;
// Carries out the action left for the end of this thread's run now, if there is one.
EDO_API void run_end_actions() noexcept;

}  // namespace edo::detail
