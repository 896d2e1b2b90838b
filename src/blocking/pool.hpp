// The blocking pool: threads for spawn_blocking jobs (Tokio's runtime/blocking/pool.rs).
//
// A job goes to an idle thread if there is one; otherwise a new thread starts, up to
// max_blocking_threads; beyond that jobs wait in the queue. A thread without work for
// thread_keep_alive exits. Shutdown refuses new jobs, lets queued and running jobs finish
// and joins the threads; threads still busy at the deadline are detached and reported.
//
// Blocking jobs are tasks (blocking_cell) whose scheduler is the pool: they never suspend,
// so schedule() is never called for them; abort() before the job starts marks it
// cancelled and the pool completes it without running it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <list>
#include <mutex>
#include <thread>

#include <edo/detail/task_header.hpp>

namespace edo::detail {

class runtime_context;

class blocking_pool final : public scheduler {
 public:
  blocking_pool(runtime_context& rt, std::size_t max_threads, std::chrono::nanoseconds keep_alive);
  ~blocking_pool();

  // False (job not queued) after shutdown.
  bool spawn(task_header* t);
  // Refuses new jobs, waits (until `deadline`) for running and queued ones, joins threads.
  // True if every thread finished in time.
  bool shutdown(std::chrono::steady_clock::time_point deadline);

  std::size_t num_threads();
  std::size_t num_idle_threads();
  std::size_t queue_depth();
  // Jobs queued or running (a paused clock must not auto-advance meanwhile).
  std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_seq_cst); }

  void set_observer(class observer* o) noexcept { observer_ = o; }

  // scheduler
  void schedule(task_header* t) noexcept override;
  void release(task_header* t) noexcept override;
  void unhandled_exception(task_header* t, std::exception_ptr e) noexcept override;

 private:
  struct thread_entry {
    std::thread th;
    bool done = false;
  };
  void thread_main(std::list<thread_entry>::iterator self);
  void reap_locked();

  runtime_context& rt_;
  const std::size_t max_threads_;
  const std::chrono::nanoseconds keep_alive_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<task_header*> queue_;
  std::list<thread_entry> threads_;
  std::size_t num_threads_ = 0;
  std::size_t num_idle_ = 0;
  std::size_t num_notified_ = 0;  // idle threads already woken for a queued job
  std::size_t running_ = 0;
  bool shutdown_ = false;
  class observer* observer_ = nullptr;
  std::atomic<std::size_t> in_flight_{0};  // queued + running, readable without the lock
};

}  // namespace edo::detail
