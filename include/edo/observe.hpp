// Seeing inside a running program: what the runtime can report (see also edo/dump.hpp and
// edo/metrics.hpp).
//
//   auto rt = edo::runtime::builder::multi_thread()
//                 .enable_all()
//                 .warn_on_long_poll(std::chrono::milliseconds(50))  // stall detector
//                 .enable_task_tracking()                            // per-task run stats
//                 .build();
//
// warn_on_long_poll(d): a task that runs for longer than d without returning to the
// scheduler (it blocks its worker: std::this_thread::sleep_for, a blocking read, heavy
// CPU) is reported with its id, name and spawn location and the worker it blocks — by
// default on stderr, or to on_long_poll(callback). The stall is reported once, while it
// happens (a monitor thread checks every d/4), so a task that never returns is caught too.
//
// The environment switches on the rest without code changes:
//   EDO_TRACE=trace.json   a Chrome/Perfetto trace (ui.perfetto.dev): task runs per worker,
//                          spawns and wakes as flow arrows, blocking-pool jobs;
//   EDO_CONSOLE=/tmp/x.sock  serves live snapshots to the edo-console tool (tools/).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace edo {

struct long_poll_report {
  std::uint64_t task_id = 0;
  std::string task_name;
  std::string spawned_at;  // "file:line"
  std::size_t worker = 0;  // index of the worker (0 on a current-thread runtime)
  std::chrono::nanoseconds running_for{0};
};

}  // namespace edo
