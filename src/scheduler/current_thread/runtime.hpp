// The current-thread runtime: one thread runs every task — the thread inside block_on
// (or the destructor, at shutdown). Concurrent, never parallel: the closest thing to
// Node's event loop.
//
// Queues: `local_` (only the thread running the core touches it, no lock) receives the
// wakes made on that thread; `inject_` (a mutex) receives wakes and spawns from other
// threads, which then unpark the core. The core takes from inject_ first every
// global_queue_interval runs, polls the drivers every event_interval runs, and parks (in
// the time driver: a futex with the next timer's deadline) when both queues are empty.
//
// One thread at a time owns the core: a second thread calling block_on waits for it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <vector>

#include "driver/driver.hpp"
#include "runtime/context.hpp"
#include "runtime/counters.hpp"
#include "runtime/task_deque.hpp"
#include "runtime/worker_tag.hpp"

namespace edo::detail {

class current_thread_runtime final : public runtime_context, public scheduler {
 public:
  explicit current_thread_runtime(runtime_config cfg);
  ~current_thread_runtime() override;

  // runtime_context
  scheduler* task_scheduler(bool local) override;
  void submit(task_header* t) noexcept override;
  timer_queue& timer_queue_for_this_thread() noexcept override;
  void block_on(task_header* main) override;
  bool shutdown(std::chrono::nanoseconds timeout) override;
  void shutdown_background() override;
  void block_in_place(void* w) override;
  void fill_metrics(runtime_metrics& m) override;

  // scheduler
  void schedule(task_header* t) noexcept override;
  void release(task_header* t) noexcept override;
  void unhandled_exception(task_header* t, std::exception_ptr e) noexcept override;

 private:
  class core_guard;
  class block_on_sched;
  bool try_take_core(block_on_sched* waiter);
  void give_back_core() noexcept;
  enum class loop_until : std::uint8_t { main_done, no_tasks };

  // Runs tasks until `main` completes (main_done) or no owned task is left (no_tasks) or
  // the deadline passes. True if the condition was met.
  bool run_loop(loop_until until, task_header* main,
                std::chrono::steady_clock::time_point deadline);
  task_header* next_task() noexcept;
  void park(std::chrono::steady_clock::time_point deadline) noexcept;
  bool poll_inject(std::size_t max) noexcept;

  time_driver* make_time_driver();

  worker_tag tag_;  // what tls.worker points to while a thread runs the core

  worker_counters counters_;
  std::atomic<std::size_t> local_len_{0};  // local_.size(), for metrics

  // Owned by the thread holding the core.
  task_deque local_;
  std::uint32_t tick_ = 0;
  std::chrono::steady_clock::time_point busy_since_ = std::chrono::steady_clock::now();

  std::mutex inject_mu_;
  task_deque inject_;
  std::atomic<std::size_t> inject_len_{0};
  class driver driver_;  // time (and I/O): parked by the thread holding the core

  // Core ownership: one thread in block_on or shutdown at a time.
  std::mutex core_mu_;
  std::condition_variable core_cv_;
  bool core_busy_ = false;
  std::vector<block_on_sched*> core_waiters_;  // block_on callers running without the core

  std::atomic<bool> shut_down_{false};
  // unhandled_policy::shutdown_runtime: the exception that triggered the shutdown.
  std::exception_ptr fatal_;
  std::atomic<bool> fatal_set_{false};
};

}  // namespace edo::detail
