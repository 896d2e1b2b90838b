// runtime_metrics in the Prometheus text format (include/edo/metrics.hpp).
#include <edo/metrics.hpp>

namespace edo {

std::string to_prometheus(const runtime_metrics& m, std::string_view prefix) {
  std::string out;
  const std::string p(prefix);
  auto gauge = [&](const char* name, const char* help, std::uint64_t v) {
    out += "# HELP " + p + "_" + name + " " + help + "\n# TYPE " + p + "_" + name + " gauge\n" + p +
           "_" + name + " " + std::to_string(v) + "\n";
  };
  gauge("workers", "Worker threads of the runtime.", m.num_workers);
  gauge("alive_tasks", "Tasks spawned and not finished.", m.num_alive_tasks);
  gauge("global_queue_depth", "Tasks in the global inject queue.", m.global_queue_depth);
  gauge("blocking_threads", "Threads of the blocking pool.", m.num_blocking_threads);
  gauge("idle_blocking_threads", "Idle threads of the blocking pool.", m.num_idle_blocking_threads);
  gauge("blocking_queue_depth", "Jobs waiting for a blocking thread.", m.blocking_queue_depth);

  auto per_worker = [&](const char* name, const char* type, const char* help, auto get) {
    out += "# HELP " + p + "_worker_" + name + " " + help + "\n# TYPE " + p + "_worker_" + name +
           " " + type + "\n";
    for (std::size_t i = 0; i < m.workers.size(); ++i) {
      out += p + "_worker_" + name + "{worker=\"" + std::to_string(i) + "\"} " + get(m.workers[i]) +
             "\n";
    }
  };
  auto u = [](std::uint64_t v) { return std::to_string(v); };
  per_worker("polls_total", "counter", "Task runs.",
             [&](const worker_metrics& w) { return u(w.poll_count); });
  per_worker("steals_total", "counter", "Tasks stolen from other workers.",
             [&](const worker_metrics& w) { return u(w.steal_count); });
  per_worker("steal_operations_total", "counter", "Successful steal operations.",
             [&](const worker_metrics& w) { return u(w.steal_operations); });
  per_worker("parks_total", "counter", "Times the worker parked.",
             [&](const worker_metrics& w) { return u(w.park_count); });
  per_worker("noops_total", "counter", "Wake-ups that found nothing to do.",
             [&](const worker_metrics& w) { return u(w.noop_count); });
  per_worker("overflows_total", "counter", "Local queue overflows to the inject queue.",
             [&](const worker_metrics& w) { return u(w.overflow_count); });
  per_worker("local_queue_depth", "gauge", "Tasks in the worker's local queue.",
             [&](const worker_metrics& w) { return u(w.local_queue_depth); });
  per_worker("busy_seconds_total", "counter", "Time spent running tasks.",
             [&](const worker_metrics& w) {
               return std::to_string(static_cast<double>(w.busy_duration.count()) / 1e9);
             });
  return out;
}

}  // namespace edo
