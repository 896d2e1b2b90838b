// The executor behind edo::block_on: runs one task (and its strands) on the calling thread
// and sleeps on a futex while the task waits. Wakes from other threads set `pending_` and
// wake the futex; wakes on this thread during a run only mark the task notified.
#pragma once

#include <atomic>
#include <cstdint>

#include <edo/detail/config.hpp>
#include <edo/detail/task_header.hpp>

namespace edo::detail {

class EDO_API local_executor final : public scheduler {
 public:
  void schedule(task_header* t) noexcept override;
  void release(task_header* t) noexcept override;
  void unhandled_exception(task_header* t, std::exception_ptr e) noexcept override;

  // Runs `t` (notified, not started) until it completes. Throws std::logic_error when
  // called from inside a task: blocking there would stall the thread that runs it.
  void run(task_header* t);

  // For a runtime's block_on: `busy` counts the threads running tasks outside the
  // workers; `on_idle(ctx)` is called each time this thread is about to wait.
  void set_idle_hooks(std::atomic<int>* busy, void (*on_idle)(void*), void* ctx) noexcept {
    busy_ = busy;
    on_idle_ = on_idle;
    idle_ctx_ = ctx;
  }

 private:
  std::atomic<int>* busy_ = nullptr;
  void (*on_idle_)(void*) = nullptr;
  void* idle_ctx_ = nullptr;

  // ordering: release store in schedule(), acquire exchange in run(): publishes the waker's
  // writes (through the task state word as well).
  alignas(cache_line) std::atomic<std::uint32_t> pending_{0};
};

}  // namespace edo::detail
