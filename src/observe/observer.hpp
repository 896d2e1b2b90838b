// The observer of a runtime: task run statistics, the long-poll (stall) detector, and the
// hooks that feed traces (EDO_TRACE) and the live console (EDO_CONSOLE).
//
// It exists only when one of them is enabled (builder: enable_task_tracking,
// warn_on_long_poll, trace, console; or the environment). When it does not, each hook in
// the schedulers is one predictable branch on a null pointer: the cost of observability
// switched off.
//
// Threads: run_begin/run_end are called by the thread that runs the task (a worker, the
// current-thread core, a block_on caller); on_spawn/on_schedule by whoever spawns or wakes;
// the monitor thread reads the per-worker slots; the console thread (observe/console.hpp)
// reads the runtime through dump() and metrics().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <edo/detail/task_header.hpp>
#include <edo/observe.hpp>

namespace edo::detail {

class runtime_context;
class console_server;

// Receives the events of a trace (implemented by src/observe/trace.cpp). Timestamps are
// steady_clock nanoseconds.
class trace_sink {
 public:
  virtual ~trace_sink() = default;
  virtual void run(std::uint32_t worker, std::uint64_t task, const char* name,
                   std::int64_t begin_ns, std::int64_t end_ns) noexcept = 0;
  virtual void spawn(std::uint64_t parent, std::uint64_t child, std::int64_t ns) noexcept = 0;
  virtual void wake(std::uint64_t from, std::uint64_t to, std::int64_t ns) noexcept = 0;
  virtual void blocking(std::uint64_t task, std::int64_t begin_ns,
                        std::int64_t end_ns) noexcept = 0;
  virtual void thread_name(const char* name) noexcept = 0;
  // Writes the file (runtime shutdown).
  virtual void flush() noexcept = 0;
};

std::unique_ptr<trace_sink> make_trace_sink(const std::string& path);

struct observer_config {
  bool track_tasks = false;
  std::chrono::nanoseconds long_poll{0};  // zero: no stall detection
  std::function<void(const long_poll_report&)> on_long_poll;
  std::string trace_path;
  // The live console's Unix socket (empty: none). When it cannot listen there, building the
  // runtime throws if console_required (the builder asked), else it warns on stderr
  // (EDO_CONSOLE asked) and the runtime runs without it.
  std::string console_path;
  bool console_required = false;

  bool any() const noexcept {
    return track_tasks || long_poll.count() > 0 || !trace_path.empty() || !console_path.empty();
  }
};

class observer {
 public:
  observer(runtime_context& rt, observer_config cfg, std::size_t workers);
  ~observer();
  observer(const observer&) = delete;
  observer& operator=(const observer&) = delete;

  // Around one run of `t` on worker `w` (the current-thread core and block_on callers use
  // the index of their own slot). run_end must not touch `t`: it may be freed by then.
  struct run_token {
    task_header* task;
    task_extra* extra;
    std::int64_t begin_ns;
  };
  run_token run_begin(std::size_t w, task_header* t) noexcept;
  void run_end(std::size_t w, const run_token& tok) noexcept;

  void on_spawn(task_header* child) noexcept;
  void on_schedule(task_header* woken) noexcept;  // made runnable by the running task, if any
  void on_blocking(std::uint64_t task, std::int64_t begin_ns, std::int64_t end_ns) noexcept;
  void on_thread_start(const char* name) noexcept;

  bool tracks_tasks() const noexcept { return cfg_.track_tasks; }
  // Stops the console and the monitor, writes the trace (runtime shutdown).
  void stop() noexcept;

  static std::int64_t now_ns() noexcept {
    return std::chrono::steady_clock::now().time_since_epoch().count();
  }

 private:
  // What the long-poll detector sees of a worker's current run (copied at run start: the
  // task may be freed while the monitor reads).
  struct alignas(64) slot {
    std::atomic<std::uint64_t> seq{0};  // odd while a run is in progress
    std::atomic<std::int64_t> begin_ns{0};
    std::atomic<std::uint64_t> task_id{0};
    std::atomic<const void*> loc{nullptr};  // std::source_location data (static storage)
    std::atomic<std::uint32_t> loc_line{0};
    char name[40] = {};              // copied at run start (seq-guarded)
    std::uint64_t reported_seq = 0;  // monitor only
  };
  void monitor_main();
  void report(std::size_t w, slot& s, std::int64_t now);

  runtime_context& rt_;
  observer_config cfg_;
  std::vector<slot> slots_;
  std::unique_ptr<trace_sink> trace_;
  std::unique_ptr<console_server> console_;
  std::thread monitor_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

// The observer configuration of a runtime from its builder options and the environment
// (EDO_TRACE=file.json, EDO_CONSOLE=socket path; a builder option wins over its variable).
observer_config observer_config_from(const struct runtime_config& cfg);

}  // namespace edo::detail
