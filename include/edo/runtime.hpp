// edo::runtime — the executor plus its drivers (time; I/O with the I/O issue), built and
// started by the user, as Tokio's Runtime.
//
//   int main() {
//     auto rt = edo::runtime::builder::current_thread().enable_all().build();
//     int v = rt.block_on(compute());
//   }
//
// Or let EDO_MAIN / edo::run build the default runtime:
//
//   edo::task<int> async_main() { co_return 0; }
//   EDO_MAIN(async_main)
//
// Destroying a runtime shuts it down (DESIGN.md's order): new spawns are refused (they
// return a cancelled handle), every task is cancelled and torn down at its current await,
// the runtime runs until none is left (drivers live), then stops its drivers. Tasks that
// cannot finish within the shutdown timeout (default 10 s) are leaked and reported on
// stderr, never destroyed while something may still complete into them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include <edo/block_on.hpp>
#include <edo/detail/config.hpp>
#include <edo/dump.hpp>
#include <edo/metrics.hpp>
#include <edo/observe.hpp>
#include <edo/spawn.hpp>
#include <edo/task.hpp>

namespace edo {

namespace detail {
class runtime_context;
struct runtime_config;
}  // namespace detail

class runtime;

// A cheap, copyable reference to a runtime: spawn onto it or enter it from any thread.
class EDO_API runtime_handle {
 public:
  runtime_handle() noexcept = default;
  runtime_handle(const runtime_handle& o) noexcept;
  runtime_handle(runtime_handle&& o) noexcept : rt_(std::exchange(o.rt_, nullptr)) {}
  runtime_handle& operator=(runtime_handle o) noexcept {
    std::swap(rt_, o.rt_);
    return *this;
  }
  ~runtime_handle();

  // The runtime of the calling thread. current() throws edo::no_runtime when there is
  // none; try_current() returns an empty handle.
  static runtime_handle current();
  static runtime_handle try_current() noexcept;

  explicit operator bool() const noexcept { return rt_ != nullptr; }

  // Makes this runtime the current one on the calling thread until the guard is destroyed
  // (edo::spawn, edo::time::sleep and friends then find it).
  class enter_guard {
   public:
    ~enter_guard();
    enter_guard(const enter_guard&) = delete;
    enter_guard& operator=(const enter_guard&) = delete;

   private:
    friend class runtime_handle;
    explicit enter_guard(detail::runtime_context* rt) noexcept;
    detail::runtime_context* prev_;
    void* prev_worker_;
  };
  [[nodiscard]] enter_guard enter() const noexcept { return enter_guard(rt_); }

  // Runs `t` to completion from a thread outside the runtime (see runtime::block_on).
  // Works on blocking-pool threads too.
  template <class T>
  T block_on(task<T> t) const;

  // Spawns onto this runtime from any thread (Tokio's Handle::spawn).
  template <class T>
  join_handle<T> spawn(task<T> t,
                       std::source_location loc = std::source_location::current()) const {
    return detail::spawn_task_on(checked(), std::move(t), false, loc);
  }
  template <class F, class... Args>
  requires detail::spawnable<F, Args...>
  auto spawn(F&& f, Args&&... args) const {
    return detail::spawn_callable_on(checked(), false, std::source_location{}, nullptr,
                                     std::forward<F>(f), std::forward<Args>(args)...);
  }

  runtime_metrics metrics() const;
  // Every live task and where it waits (see edo/dump.hpp). Any thread.
  runtime_dump dump() const;

  detail::runtime_context* context() const noexcept { return rt_; }

 private:
  friend class runtime;
  detail::runtime_context& checked() const;
  explicit runtime_handle(detail::runtime_context* rt) noexcept : rt_(rt) {}
  detail::runtime_context* rt_ = nullptr;
};

class EDO_API runtime {
 public:
  class builder;

  // The default runtime: multi-thread when available, with every driver enabled.
  runtime();
  runtime(runtime&& o) noexcept : rt_(std::exchange(o.rt_, nullptr)) {}
  runtime& operator=(runtime&& o) noexcept;
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  // Shuts the runtime down (see the file comment).
  ~runtime();

  // Runs `t` on this runtime until it completes, blocking the calling thread, and returns
  // its result (or rethrows its exception). Throws std::logic_error when called from a
  // thread that runs this or another runtime's tasks.
  template <class T>
  T block_on(task<T> t);

  runtime_handle handle() const noexcept;
  // A snapshot of the runtime's counters (cheap: relaxed per-worker counters).
  runtime_metrics metrics() const;
  // Every live task and where it waits (see edo/dump.hpp). Any thread.
  runtime_dump dump() const;

  // Shuts down now, waiting at most `timeout` for tasks to finish; true if none leaked.
  bool shutdown_timeout(std::chrono::nanoseconds timeout);
  // Shuts down without waiting for the runtime's threads.
  void shutdown_background();

 private:
  explicit runtime(detail::runtime_context* rt) noexcept : rt_(rt) {}
  friend class builder;
  detail::runtime_context* rt_ = nullptr;
};

// What to do with an exception that escapes a task nobody joins.
enum class unhandled_exception_policy {
  report,            // print it (task id, name, what()) on stderr and go on (the default)
  shutdown_runtime,  // print it, shut the runtime down; block_on rethrows it
};

class EDO_API runtime::builder {
 public:
  static builder current_thread();
  static builder multi_thread();

  builder(builder&&) noexcept;
  builder& operator=(builder&&) noexcept;
  ~builder();

  builder& enable_all() &;
  builder& enable_time() &;
  builder& enable_io() &;
  builder& start_paused(bool paused = true) &;
  builder& worker_threads(std::size_t n) &;
  builder& thread_name(std::string name) &;
  builder& thread_stack_size(std::size_t bytes) &;
  builder& on_thread_start(std::function<void()> f) &;
  builder& on_thread_stop(std::function<void()> f) &;
  builder& global_queue_interval(std::uint32_t n) &;
  builder& event_interval(std::uint32_t n) &;
  builder& max_blocking_threads(std::size_t n) &;
  builder& thread_keep_alive(std::chrono::nanoseconds d) &;
  builder& shutdown_timeout(std::chrono::nanoseconds d) &;
  builder& on_unhandled_exception(unhandled_exception_policy p) &;
  // Observability (edo/observe.hpp, edo/dump.hpp): per-task run statistics in dumps; the
  // stall detector; a Chrome/Perfetto trace written at shutdown (or EDO_TRACE=file); the
  // live console served on a Unix socket for tools/edo-console (or EDO_CONSOLE=path;
  // docs/console.md) — build() throws std::system_error if it cannot listen there.
  builder& enable_task_tracking(bool on = true) &;
  builder& warn_on_long_poll(std::chrono::nanoseconds d) &;
  builder& on_long_poll(std::function<void(const long_poll_report&)> f) &;
  builder& trace(std::string path) &;
  builder& console(std::string path) &;

  builder&& enable_all() && { return std::move(enable_all()); }
  builder&& enable_time() && { return std::move(enable_time()); }
  builder&& enable_io() && { return std::move(enable_io()); }
  builder&& start_paused(bool paused = true) && { return std::move(start_paused(paused)); }
  builder&& worker_threads(std::size_t n) && { return std::move(worker_threads(n)); }
  builder&& thread_name(std::string name) && { return std::move(thread_name(std::move(name))); }
  builder&& thread_stack_size(std::size_t b) && { return std::move(thread_stack_size(b)); }
  builder&& on_thread_start(std::function<void()> f) && {
    return std::move(on_thread_start(std::move(f)));
  }
  builder&& on_thread_stop(std::function<void()> f) && {
    return std::move(on_thread_stop(std::move(f)));
  }
  builder&& global_queue_interval(std::uint32_t n) && {
    return std::move(global_queue_interval(n));
  }
  builder&& event_interval(std::uint32_t n) && { return std::move(event_interval(n)); }
  builder&& max_blocking_threads(std::size_t n) && { return std::move(max_blocking_threads(n)); }
  builder&& thread_keep_alive(std::chrono::nanoseconds d) && {
    return std::move(thread_keep_alive(d));
  }
  builder&& shutdown_timeout(std::chrono::nanoseconds d) && {
    return std::move(shutdown_timeout(d));
  }
  builder&& on_unhandled_exception(unhandled_exception_policy p) && {
    return std::move(on_unhandled_exception(p));
  }
  builder&& enable_task_tracking(bool on = true) && { return std::move(enable_task_tracking(on)); }
  builder&& warn_on_long_poll(std::chrono::nanoseconds d) && {
    return std::move(warn_on_long_poll(d));
  }
  builder&& on_long_poll(std::function<void(const long_poll_report&)> f) && {
    return std::move(on_long_poll(std::move(f)));
  }
  builder&& trace(std::string path) && { return std::move(trace(std::move(path))); }
  builder&& console(std::string path) && { return std::move(console(std::move(path))); }

  // Builds the runtime (threads start here for the multi-thread flavor).
  runtime build();

 private:
  explicit builder(bool multi_thread);
  detail::runtime_config* cfg_;
};

namespace detail {
// Runs a block_on pseudo-task on `rt` (runtime_context::block_on).
EDO_API void runtime_block_on(runtime_context* rt, task_header* main);

template <class T>
T runtime_run_block_on(runtime_context* rt, task<T>&& t) {
  auto h = task_access::release(t);
  if (!h) throw std::invalid_argument("edo::runtime::block_on: the task was already awaited");
  block_on_cell<T> cell(&block_on_cell<T>::vtable, nullptr, 0, initial_state(true));
  cell.top_ = &h.promise();
  try {
    runtime_block_on(rt, &cell);
  } catch (...) {
    if (!task_is_complete(&cell)) h.destroy();  // refused before it ran
    throw;
  }
  task_wait_last_reference(&cell);  // the cell is on this stack
  task_release(&cell);              // the handle's reference: the last one
  if (cell.outcome_ == task_outcome::cancelled) {
    throw std::runtime_error("edo::runtime::block_on: the runtime was shut down");
  }
  return cell.take_output();
}
}  // namespace detail

template <class T>
T runtime::block_on(task<T> t) {
  return detail::runtime_run_block_on(rt_, std::move(t));
}

template <class T>
T runtime_handle::block_on(task<T> t) const {
  return detail::runtime_run_block_on(rt_, std::move(t));
}

// Builds the default runtime and runs `f(args...)` (returning edo::task<int> or
// edo::task<void>) on it; returns the exit code (0 for void). An exception escaping it is
// printed on stderr and gives exit code 1.
template <class F, class... Args>
int run(F&& f, Args&&... args);

}  // namespace edo

#include <edo/detail/run.hpp>

// Defines main() to run `fn` — edo::task<int> fn() or edo::task<void> fn(), optionally
// taking (int argc, char** argv) — on the default runtime. The twin of #[tokio::main].
#define EDO_MAIN(fn)                                \
  int main(int argc, char** argv) {                 \
    return ::edo::detail::run_main(fn, argc, argv); \
  }
