// Task dumps: what every live task of a runtime is doing, and where it is suspended.
//
//   std::cout << rt.dump().to_string();
//
//   task 7 [acceptor] spawned at server.cpp:88 in serve() — idle, 12 runs, last ran 3.2 s ago
//     waiting on edo::sync::mpsc::recv_awaitable<message>
//       at server.cpp:95 in handle(connection)
//       at server.cpp:71 in serve()
//
// For each task: its id, name, spawn location, state (idle / scheduled / running) and —
// for an idle task — the chain of awaiting coroutines with the source location of the
// co_await each one is suspended at, ending in the leaf it waits on (a sleep, a channel, a
// lock, a join handle, an fd...), with the branches of a join/select/timeout nested below.
// Run statistics (runs, busy time, time since the last run) are there when the runtime
// was built with track_tasks() (or the console, traces or warn_on_long_poll, which imply
// it). The dump of a task is taken while holding its run token: a running or queued task
// is reported with its state only, and the task is never delayed by more than the copy.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <edo/detail/config.hpp>

namespace edo {

struct await_frame {
  std::string function;
  std::string file;
  std::uint32_t line = 0;
};

struct strand_snapshot {
  std::vector<await_frame> frames;        // innermost first
  std::string leaf;                       // what the innermost frame waits on
  std::vector<strand_snapshot> branches;  // of a join / select / timeout
  bool started = true;
};

enum class task_state { idle, scheduled, running };

struct task_snapshot {
  std::uint64_t id = 0;
  std::string name;
  await_frame spawned_at;
  task_state state = task_state::idle;
  bool tracked = false;  // the statistics below are valid
  std::uint64_t run_count = 0;
  std::chrono::nanoseconds busy{0};
  std::chrono::nanoseconds since_last_run{0};
  strand_snapshot root;  // for idle tasks
};

struct runtime_dump {
  std::vector<task_snapshot> tasks;
  EDO_API std::string to_string() const;
};

EDO_API const char* to_string(task_state s) noexcept;

}  // namespace edo
