// runtime_context: what a runtime is to the rest of edo (what tls.runtime points to and
// runtime_handle holds). The current-thread and multi-thread runtimes implement it.
//
// Lifetime: reference-counted. The edo::runtime object holds one reference, each
// runtime_handle one. Destroying the edo::runtime shuts the runtime down; the context
// itself is freed when the last handle goes (handles then refuse to spawn). A runtime that
// had to leak tasks at shutdown is never freed (a leaked task may still be woken into it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>

#include <edo/detail/runtime_api.hpp>
#include <edo/detail/task_header.hpp>
#include <edo/dump.hpp>
#include <edo/metrics.hpp>

#include "blocking/pool.hpp"
#include "observe/observer.hpp"
#include "runtime/config.hpp"
#include "runtime/owned_tasks.hpp"
#include "time/driver.hpp"

namespace edo::detail {

class io_driver;  // src/io/driver.hpp

class runtime_context {
 public:
  explicit runtime_context(runtime_config cfg);
  runtime_context(const runtime_context&) = delete;
  runtime_context& operator=(const runtime_context&) = delete;
  virtual ~runtime_context();

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept;

  const runtime_config& config() const noexcept { return config_; }
  owned_tasks& owned() noexcept { return owned_; }
  time_driver* time() noexcept { return time_.get(); }
  // Null unless tracking, stall detection or tracing is on (see observe/observer.hpp).
  observer* obs() noexcept { return observer_.get(); }
  // The I/O driver (reference-counted: registrations keep it alive), or null without I/O.
  io_driver* io() noexcept { return io_; }
  blocking_pool& blocking() noexcept { return *blocking_; }
  // The first of `n` fresh task ids.
  std::uint64_t next_ids(std::uint64_t n) noexcept {
    return next_id_.fetch_add(n, std::memory_order_relaxed);
  }

  // The scheduler a new task belongs to (`local`: pinned to this worker thread).
  virtual scheduler* task_scheduler(bool local) = 0;
  // Queues a new task (notified, holding its queue reference).
  virtual void submit(task_header* t) noexcept = 0;
  // The timer queue of the calling thread (its worker's, or the shared one).
  virtual timer_queue& timer_queue_for_this_thread() noexcept = 0;
  // Runs `main` (a block_on pseudo-task, notified) until it completes.
  virtual void block_on(task_header* main) = 0;
  // Shuts down in DESIGN.md's order; returns true if no task had to be leaked.
  virtual bool shutdown(std::chrono::nanoseconds timeout) = 0;
  // Returns at once; the runtime's threads finish shutting down on their own.
  virtual void shutdown_background() = 0;
  // block_in_place on this runtime's worker `w` (the calling thread).
  virtual void block_in_place(void* w) = 0;
  // The scheduler's part of runtime::metrics().
  virtual void fill_metrics(runtime_metrics& m) = 0;
  runtime_metrics metrics();
  runtime_dump dump();

 protected:
  // Reports the tasks still alive after a shutdown timeout and keeps this runtime alive
  // forever (never destroyed while a registration may still complete into them).
  void leak_remaining() noexcept;

  // Creates the observer if the configuration asks for one (`slots`: run slots for the
  // stall detector, one per thread that runs tasks).
  void init_observer(std::size_t slots);
  // Joins the blocking pool (until `deadline`); leaks this runtime if a job is stuck.
  bool stop_blocking(std::chrono::steady_clock::time_point deadline) noexcept;

  runtime_config config_;
  owned_tasks owned_;
  std::unique_ptr<time_driver> time_;
  io_driver* io_ = nullptr;  // one reference, dropped (after io_driver::shutdown) on destruction
  std::unique_ptr<blocking_pool> blocking_;
  std::unique_ptr<observer> observer_;

  // For the constructors of the runtimes: creates the I/O driver when config_.enable_io.
  io_driver* make_io_driver();

 private:
  std::atomic<long> refs_{1};
  alignas(cache_line) std::atomic<std::uint64_t> next_id_{1};
  bool leaked_ = false;
};

// Enters `rt` on this thread for a scope (tls.runtime), restoring the previous one after.
class runtime_enter {
 public:
  explicit runtime_enter(runtime_context* rt, void* worker = nullptr) noexcept;
  ~runtime_enter();
  runtime_enter(const runtime_enter&) = delete;
  runtime_enter& operator=(const runtime_enter&) = delete;

 private:
  runtime_context* prev_rt_;
  void* prev_worker_;
};

}  // namespace edo::detail
