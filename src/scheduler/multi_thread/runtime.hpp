// The multi-thread runtime: N workers (default: one per CPU) stealing work from each
// other, a global inject queue for wakes from outside, one shared driver parked by one
// worker at a time, one timer queue per worker plus one for threads that are not workers.
// block_on runs its task on the calling thread (as Tokio does); spawned tasks run on the
// workers.
//
// Shutdown order (DESIGN.md): refuse spawns and cancel every task (owned.close), let the
// workers run the cancelled tasks to their tear-down with the drivers live, then stop the
// workers and join their threads. Tasks alive when the timeout expires are leaked and
// reported.
#pragma once

#include <pthread.h>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include <thread>
#include <vector>

#include "driver/driver.hpp"
#include "runtime/context.hpp"
#include "runtime/inject.hpp"
#include "scheduler/multi_thread/idle.hpp"
#include "scheduler/multi_thread/worker.hpp"

namespace edo::detail {

class multi_thread_runtime final : public runtime_context, public scheduler {
 public:
  explicit multi_thread_runtime(runtime_config cfg);
  ~multi_thread_runtime() override;

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

  // For the workers.
  std::size_t num_workers() const noexcept { return workers_.size(); }
  worker& worker_at(std::size_t i) noexcept { return *workers_[i]; }
  inject_queue& inject() noexcept { return inject_; }
  class idle& idle_state() noexcept {
    return idle_;
  }
  class driver& shared_driver() noexcept {
    return driver_;
  }
  bool is_shutdown() const noexcept { return shutdown_.load(std::memory_order_acquire); }
  void notify_parked() noexcept;
  std::chrono::nanoseconds spin_duration() const noexcept { return spin_; }
  bool try_begin_spin() noexcept { return !spinning_.exchange(true, std::memory_order_acquire); }
  void end_spin() noexcept { spinning_.store(false, std::memory_order_release); }
  void notify_if_work_pending() noexcept;
  // May a parked driver jump a paused clock to its next timer? (Nothing can run.)
  bool may_auto_advance() const noexcept;
  // The last worker is parking: a paused clock may now auto-advance.
  void poke_driver_if_idle() noexcept;

 private:
  time_driver* make_time_driver();
  void start_threads();
  void start_thread(worker* w);
  void stop_workers() noexcept;
  bool wait_for_tasks(std::chrono::steady_clock::time_point deadline);

  std::vector<std::unique_ptr<worker>> workers_;
  inject_queue inject_;
  class idle idle_;
  class driver driver_;
  std::mutex threads_mu_;
  std::vector<std::thread> threads_;
  std::vector<pthread_t> raw_threads_;  // threads with a custom stack size
  std::atomic<bool> shutdown_{false};
  // How long an idle worker spins before it parks (see worker::park), and whether one does.
  std::chrono::nanoseconds spin_{0};
  std::atomic<bool> spinning_{false};
  bool shut_down_ = false;  // shutdown() ran (guarded by shutdown_mu_)
  std::mutex shutdown_mu_;
  std::condition_variable tasks_done_cv_;
  // Threads outside the workers that are running tasks right now (block_on callers).
  std::atomic<int> external_busy_{0};
  std::vector<task_header*> mains_;  // block_on tasks running now (guarded by fatal_mu_)

  std::exception_ptr fatal_;
  std::atomic<bool> fatal_set_{false};
  std::mutex fatal_mu_;
};

}  // namespace edo::detail
