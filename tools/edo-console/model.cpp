// Reading console answers into edo-console's model, and sorting the task table (see
// model.hpp).
#include "model.hpp"

#include <algorithm>
#include <cstdio>

namespace edo_console {
namespace {

frame read_frame(const json& j) {
  return frame{j["file"].str(), static_cast<std::uint32_t>(j["line"].u64()), j["function"].str()};
}

strand read_strand(const json& j) {
  strand s;
  s.started = j["started"].boolean(true);
  s.leaf = j["leaf"].str();
  for (const json& f : j["frames"].elements()) s.frames.push_back(read_frame(f));
  for (const json& b : j["branches"].elements()) s.branches.push_back(read_strand(b));
  return s;
}

task read_task_object(const json& j) {
  task t;
  t.id = j["id"].u64();
  t.name = j["name"].str();
  if (j["spawned_at"].is_object()) {
    t.has_spawn_location = true;
    t.spawned_at = read_frame(j["spawned_at"]);
  }
  t.state = j["state"].str();
  t.tracked = j["tracked"].boolean();
  t.runs = j["runs"].u64();
  t.busy_ns = j["busy_ns"].u64();
  t.since_last_run_ns = j["since_last_run_ns"].u64();
  if (j["waiting"].is_object()) {
    t.has_waiting = true;
    t.waiting = read_strand(j["waiting"]);
  }
  return t;
}

// Parses an answer line and checks that it is an ok answer of `type`.
bool read_answer(const std::string& line, const char* type, json& out, std::string& error) {
  out = json::parse(line, error);
  if (!error.empty()) {
    error = "bad answer from the runtime: " + error;
    return false;
  }
  if (!out["ok"].boolean()) {
    error = out["error"].str().empty() ? "the runtime answered with an error" : out["error"].str();
    return false;
  }
  if (out["type"].str() != type) {
    error = "unexpected answer type '" + out["type"].str() + "'";
    return false;
  }
  return true;
}

}  // namespace

std::string task::where() const {
  if (state != "idle") return "(" + state + ")";
  if (!has_waiting) return "";
  if (!waiting.started) return "not started yet";
  std::string s = waiting.leaf.empty() ? "?" : waiting.leaf;
  if (!waiting.branches.empty()) s += " (" + std::to_string(waiting.branches.size()) + " branches)";
  if (!waiting.frames.empty()) {
    const frame& f = waiting.frames.front();
    s += " at " + base_name(f.file) + ":" + std::to_string(f.line);
  }
  return s;
}

bool read_snapshot(const std::string& line, snapshot& out, std::string& error) {
  json j;
  if (!read_answer(line, "snapshot", j, error)) return false;
  out = snapshot{};
  out.pid = j["pid"].u64();
  out.flavor = j["flavor"].str();
  out.time_ns = j["time_ns"].u64();
  const json& m = j["metrics"];
  out.alive_tasks = m["alive_tasks"].u64();
  out.global_queue_depth = m["global_queue_depth"].u64();
  out.blocking_threads = m["blocking_threads"].u64();
  out.idle_blocking_threads = m["idle_blocking_threads"].u64();
  out.blocking_queue_depth = m["blocking_queue_depth"].u64();
  for (const json& w : m["worker"].elements()) {
    out.workers.push_back(worker{w["polls"].u64(), w["steals"].u64(), w["parks"].u64(),
                                 w["noops"].u64(), w["local_queue_depth"].u64(),
                                 w["busy_ns"].u64()});
  }
  for (const json& t : j["tasks"].elements()) out.tasks.push_back(read_task_object(t));
  return true;
}

bool read_task(const std::string& line, task& out, std::string& error) {
  json j;
  if (!read_answer(line, "task", j, error)) return false;
  out = read_task_object(j["task"]);
  return true;
}

const char* column_title(column c) {
  switch (c) {
    case column::id:
      return "ID";
    case column::name:
      return "NAME";
    case column::state:
      return "STATE";
    case column::runs:
      return "RUNS";
    case column::busy:
      return "BUSY";
    case column::last_ran:
      return "LAST RAN";
    case column::where:
      return "WAITING ON";
  }
  return "?";
}

bool parse_column(const std::string& s, column& out) {
  static const char* names[] = {"id", "name", "state", "runs", "busy", "last", "where"};
  for (int i = 0; i < column_count; ++i) {
    if (s == names[i]) {
      out = static_cast<column>(i);
      return true;
    }
  }
  return false;
}

void sort_tasks(std::vector<task>& tasks, column by, bool descending) {
  // Ties are broken by id, so that rows do not jump between refreshes.
  auto key_less = [by](const task& a, const task& b) {
    switch (by) {
      case column::id:
        return false;
      case column::name:
        return a.name < b.name;
      case column::state:
        return a.state < b.state;
      case column::runs:
        return a.runs < b.runs;
      case column::busy:
        return a.busy_ns < b.busy_ns;
      case column::last_ran:
        return a.since_last_run_ns < b.since_last_run_ns;
      case column::where:
        return a.where() < b.where();
    }
    return false;
  };
  std::stable_sort(tasks.begin(), tasks.end(), [&](const task& a, const task& b) {
    if (key_less(a, b)) return !descending;
    if (key_less(b, a)) return descending;
    return descending ? a.id > b.id : a.id < b.id;
  });
}

std::string format_duration(std::uint64_t ns) {
  char buf[32];
  const double v = static_cast<double>(ns);
  if (ns < 1'000) {
    std::snprintf(buf, sizeof buf, "%llu ns", static_cast<unsigned long long>(ns));
  } else if (ns < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f us", v / 1e3);
  } else if (ns < 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f ms", v / 1e6);
  } else if (ns < 120'000'000'000ULL) {
    std::snprintf(buf, sizeof buf, "%.1f s", v / 1e9);
  } else if (ns < 7'200'000'000'000ULL) {
    std::snprintf(buf, sizeof buf, "%.0f min", v / 60e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f h", v / 3600e9);
  }
  return buf;
}

std::string base_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace edo_console
