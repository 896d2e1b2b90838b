// Runtime metrics (Tokio's RuntimeMetrics): a snapshot of counters the runtime keeps
// always (per-worker relaxed counters, written only by their worker).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <edo/detail/config.hpp>

namespace edo {

struct worker_metrics {
  std::uint64_t poll_count = 0;            // task runs
  std::uint64_t steal_count = 0;           // tasks stolen from other workers
  std::uint64_t steal_operations = 0;      // successful steals (each moves up to half a queue)
  std::uint64_t park_count = 0;            // times it parked
  std::uint64_t noop_count = 0;            // wake-ups that found nothing to do
  std::uint64_t overflow_count = 0;        // times its local queue overflowed to the inject queue
  std::uint64_t local_schedule_count = 0;  // tasks scheduled from this worker
  std::size_t local_queue_depth = 0;
  std::chrono::nanoseconds busy_duration{0};  // time spent running tasks
};

struct runtime_metrics {
  std::size_t num_workers = 0;
  std::size_t num_alive_tasks = 0;
  std::size_t global_queue_depth = 0;
  std::size_t num_blocking_threads = 0;
  std::size_t num_idle_blocking_threads = 0;
  std::size_t blocking_queue_depth = 0;
  std::vector<worker_metrics> workers;
};

// The metrics in the Prometheus text exposition format (version 0.0.4): gauges for the
// runtime, counters per worker labelled worker="i". Serve it from a /metrics endpoint.
EDO_API std::string to_prometheus(const runtime_metrics& m, std::string_view prefix = "edo");

}  // namespace edo
