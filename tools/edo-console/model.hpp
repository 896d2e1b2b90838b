// What edo-console shows, read from the console's JSON answers (docs/console.md): the
// runtime's workers and its tasks, and how the task table is sorted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "json.hpp"

namespace edo_console {

struct frame {
  std::string file;
  std::uint32_t line = 0;
  std::string function;
};

// Where a suspended strand waits: its chain of awaits (innermost first) and its leaf.
struct strand {
  bool started = true;
  std::string leaf;
  std::vector<frame> frames;
  std::vector<strand> branches;
};

struct task {
  std::uint64_t id = 0;
  std::string name;
  bool has_spawn_location = false;
  frame spawned_at;
  std::string state;  // idle, scheduled, running
  bool tracked = false;
  std::uint64_t runs = 0;
  std::uint64_t busy_ns = 0;
  std::uint64_t since_last_run_ns = 0;
  bool has_waiting = false;  // `waiting` is known (idle tasks)
  strand waiting;

  // One line for the WAITING ON column: the leaf, then the innermost await's file:line.
  std::string where() const;
};

struct worker {
  std::uint64_t polls = 0, steals = 0, parks = 0, noops = 0, local_queue_depth = 0, busy_ns = 0;
};

struct snapshot {
  std::uint64_t pid = 0;
  std::string flavor;
  std::uint64_t time_ns = 0;  // the runtime's steady clock when it was taken
  std::uint64_t alive_tasks = 0, global_queue_depth = 0;
  std::uint64_t blocking_threads = 0, idle_blocking_threads = 0, blocking_queue_depth = 0;
  std::vector<worker> workers;
  std::vector<task> tasks;
};

// Reads a `snapshot` answer (false and `error` if it is not one, or an error answer).
bool read_snapshot(const std::string& line, snapshot& out, std::string& error);
// Reads a `task` answer.
bool read_task(const std::string& line, task& out, std::string& error);

// The table's columns, in order; the sort keys are 1..column_count.
enum class column { id, name, state, runs, busy, last_ran, where };
inline constexpr int column_count = 7;
const char* column_title(column c);
// "id", "name", ... for --sort; false if unknown.
bool parse_column(const std::string& s, column& out);

void sort_tasks(std::vector<task>& tasks, column by, bool descending);

// "12.3 ms", "4.0 s", "2 min" — short, for table cells.
std::string format_duration(std::uint64_t ns);
// The last component of a path.
std::string base_name(const std::string& path);

}  // namespace edo_console
