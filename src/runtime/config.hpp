// A runtime's configuration, filled by runtime::builder.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <edo/observe.hpp>

namespace edo::detail {

enum class unhandled_policy : std::uint8_t {
  report,            // print the exception (task id, name, what()) and go on
  shutdown_runtime,  // report, then shut the runtime down; block_on rethrows it
};

struct runtime_config {
  bool multi_thread = false;
  std::size_t worker_threads = 0;  // 0: one per CPU
  std::string thread_name = "edo-worker";
  std::size_t thread_stack_size = 0;  // 0: the system default
  std::function<void()> on_thread_start;
  std::function<void()> on_thread_stop;
  std::uint32_t global_queue_interval = 31;
  std::uint32_t event_interval = 61;
  bool enable_time = false;
  bool enable_io = false;
  bool start_paused = false;
  std::chrono::nanoseconds shutdown_timeout = std::chrono::seconds(10);
  unhandled_policy unhandled = unhandled_policy::report;
  // Per-task run statistics (run count, busy time, last run) for dumps and the console.
  bool track_tasks = false;
  // Stall detection: report a task run longer than this (zero: off).
  std::chrono::nanoseconds long_poll{0};
  std::function<void(const long_poll_report&)> on_long_poll;
  // A Chrome/Perfetto trace written at shutdown (empty: EDO_TRACE, or none).
  std::string trace_path;
  // The live console's Unix socket (empty: EDO_CONSOLE, or none); see docs/console.md.
  std::string console_path;
  std::size_t max_blocking_threads = 512;
  std::chrono::nanoseconds thread_keep_alive = std::chrono::seconds(10);
};

}  // namespace edo::detail
