// A multi-thread worker: its run queue, LIFO slot, parker and counters, and the loop its
// thread runs (Tokio's multi_thread/worker.rs, with one timer wheel per worker).
//
// The loop, per iteration:
//  1. maintenance every event_interval runs: fire due timers, poll the driver if free,
//     notice shutdown;
//  2. a task: the global inject queue first every global_queue_interval runs, otherwise the
//     LIFO slot, the local queue, then the inject queue;
//  3. none: steal half of a random worker's queue (at most half the workers search);
//  4. still none: park — in the driver if no other worker holds it, else on its futex.
// Running a task: the task, then up to 3 tasks from the LIFO slot (the task it just woke),
// sharing one co-operative budget.
//
// Shutdown (runtime.cpp): every task is cancelled and runs to its tear-down on these
// loops; then `shutdown_` is set and every worker is unparked and leaves its loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>

#include <edo/detail/task_header.hpp>

#include "driver/driver.hpp"
#include "runtime/counters.hpp"
#include "runtime/task_deque.hpp"
#include "runtime/worker_tag.hpp"
#include "scheduler/multi_thread/queue.hpp"

namespace edo::detail {

class multi_thread_runtime;
class timer_queue;

class worker;

// The scheduler of the tasks pinned to one worker (spawn_local): never stolen; wakes from
// other threads go through the worker's own pinned inject queue and unpark it.
class pinned_scheduler final : public scheduler {
 public:
  explicit pinned_scheduler(worker& w) noexcept : w_(w) {}
  void schedule(task_header* t) noexcept override;
  void release(task_header* t) noexcept override;
  void unhandled_exception(task_header* t, std::exception_ptr e) noexcept override;

 private:
  worker& w_;
};

class worker final : public worker_tag {
 public:
  worker(multi_thread_runtime& owner, std::size_t index, timer_queue* timers) noexcept;

  void run();  // the thread's loop
  // Called by this worker's thread (schedule on a worker of the same runtime).
  void schedule_local(task_header* t, bool is_yield) noexcept;

  // block_in_place: the calling thread (this worker's) gives the worker up; a new thread
  // will run it. The calling thread finishes its current task run and leaves run().
  void hand_off() noexcept;

  std::size_t index() const noexcept { return index_; }
  multi_thread_runtime& owner() noexcept { return owner_; }
  scheduler* pinned() noexcept { return &pinned_sched_; }
  // Pinned tasks (spawn_local).
  void pinned_spawned() noexcept { live_pinned_.fetch_add(1, std::memory_order_relaxed); }
  void pinned_finished() noexcept { live_pinned_.fetch_sub(1, std::memory_order_relaxed); }
  bool has_pinned() const noexcept { return live_pinned_.load(std::memory_order_relaxed) != 0; }
  void push_pinned_local(task_header* t) { pinned_local_.push(t); }
  void push_pinned_remote(task_header* t);
  local_queue& queue() noexcept { return queue_; }
  worker_parker& parker() noexcept { return parker_; }
  timer_queue* timers() const noexcept { return timers_; }
  const worker_counters& counters() const noexcept { return counters_; }

 private:
  void maintenance() noexcept;
  task_header* next_task() noexcept;
  task_header* steal_work() noexcept;
  task_header* pull_inject() noexcept;
  // Both return false if this thread lost the worker (block_in_place) during the run.
  bool run_task(task_header* t) noexcept;
  bool run_one(task_header* t) noexcept;
  void park() noexcept;
  bool spin_for_work() noexcept;
  bool transition_to_parked() noexcept;
  bool transition_from_parked() noexcept;
  bool has_pinned_work() const noexcept;
  void take_pinned_remote() noexcept;
  void transition_from_searching() noexcept;
  std::uint32_t next_rand() noexcept;

  multi_thread_runtime& owner_;
  std::size_t index_;
  timer_queue* timers_;
  local_queue queue_;
  task_header* lifo_ = nullptr;
  worker_parker parker_;
  pinned_scheduler pinned_sched_{*this};
  task_deque pinned_local_;  // this thread only
  std::mutex pinned_mu_;
  task_deque pinned_remote_;  // pushed by other threads
  std::atomic<std::size_t> pinned_remote_len_{0};
  std::atomic<std::size_t> live_pinned_{0};
  worker_counters counters_;
  std::uint32_t tick_ = 0;
  std::chrono::steady_clock::time_point busy_since_ = std::chrono::steady_clock::now();
  std::uint32_t rand_;
  bool searching_ = false;
  bool in_park_ = false;  // wakes during driver processing do not notify (batched)
};

}  // namespace edo::detail
