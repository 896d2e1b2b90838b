// edo-console's text layout (see view.hpp).
#include "view.hpp"

#include <algorithm>
#include <cstdio>

namespace edo_console {
namespace {

constexpr int id_w = 7, name_w = 22, state_w = 10, runs_w = 9, busy_w = 10, last_w = 10;

std::string right(const std::string& s, int w) {
  return s.size() >= static_cast<std::size_t>(w)
             ? s
             : std::string(static_cast<std::size_t>(w) - s.size(), ' ') + s;
}

std::string num(std::uint64_t v) {
  return std::to_string(v);
}

void strand_lines(std::vector<std::string>& out, const strand& s, const std::string& pad) {
  if (!s.started) {
    out.push_back(pad + "not started yet");
    return;
  }
  out.push_back(pad + "waiting on " + (s.leaf.empty() ? std::string("?") : s.leaf));
  for (const frame& f : s.frames) {
    out.push_back(pad + "  at " + f.file + ":" + std::to_string(f.line) + " in " + f.function);
  }
  for (std::size_t i = 0; i < s.branches.size(); ++i) {
    out.push_back(pad + "  branch " + std::to_string(i) + ":");
    strand_lines(out, s.branches[i], pad + "    ");
  }
}

}  // namespace

std::string fit(const std::string& s, std::size_t width) {
  std::string out;
  std::size_t cols = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char) {
      if (cols == width) break;
      ++cols;
    }
    out += s[i];
  }
  if (cols < width) out.append(width - cols, ' ');
  return out;
}

std::vector<std::string> header_lines(const std::string& socket_path, const snapshot& now,
                                      const snapshot* before) {
  std::vector<std::string> out;
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "edo-console  %s  pid %llu  %s  %llu tasks  global queue %llu  blocking threads "
                "%llu (%llu idle, %llu queued)",
                socket_path.c_str(), static_cast<unsigned long long>(now.pid), now.flavor.c_str(),
                static_cast<unsigned long long>(now.tasks.size()),
                static_cast<unsigned long long>(now.global_queue_depth),
                static_cast<unsigned long long>(now.blocking_threads),
                static_cast<unsigned long long>(now.idle_blocking_threads),
                static_cast<unsigned long long>(now.blocking_queue_depth));
  out.emplace_back(buf);
  const bool rates = before != nullptr && before->workers.size() == now.workers.size() &&
                     now.time_ns > before->time_ns;
  out.push_back(right("WORKER", 8) + right("POLLS", 12) + right("POLLS/S", 10) +
                right("STEALS", 10) + right("PARKS", 10) + right(rates ? "BUSY %" : "BUSY", 10) +
                right("QUEUE", 8));
  for (std::size_t i = 0; i < now.workers.size(); ++i) {
    const worker& w = now.workers[i];
    std::string per_s = "-";
    std::string busy = format_duration(w.busy_ns);
    if (rates) {
      const worker& b = before->workers[i];
      const double dt = static_cast<double>(now.time_ns - before->time_ns);
      const double polls = static_cast<double>(w.polls >= b.polls ? w.polls - b.polls : 0);
      const double busy_ns =
          static_cast<double>(w.busy_ns >= b.busy_ns ? w.busy_ns - b.busy_ns : 0);
      std::snprintf(buf, sizeof buf, "%.0f", polls * 1e9 / dt);
      per_s = buf;
      std::snprintf(buf, sizeof buf, "%.1f%%", std::min(100.0, busy_ns * 100.0 / dt));
      busy = buf;
    }
    out.push_back(right(num(i), 8) + right(num(w.polls), 12) + right(per_s, 10) +
                  right(num(w.steals), 10) + right(num(w.parks), 10) + right(busy, 10) +
                  right(num(w.local_queue_depth), 8));
  }
  return out;
}

std::string table_title(column sort, bool descending) {
  auto title = [&](column c) {
    std::string t = column_title(c);
    if (c == sort) t += descending ? " v" : " ^";
    return t;
  };
  return right(title(column::id), id_w) + "  " + fit(title(column::name), name_w) + " " +
         fit(title(column::state), state_w) + right(title(column::runs), runs_w) +
         right(title(column::busy), busy_w) + right(title(column::last_ran), last_w) + "  " +
         title(column::where);
}

std::string table_row(const task& t) {
  const std::string name = t.name.empty() ? "-" : t.name;
  const std::string runs = t.tracked ? num(t.runs) : "-";
  const std::string busy = t.tracked ? format_duration(t.busy_ns) : "-";
  const std::string last = t.state == "running"      ? std::string("now")
                           : t.tracked && t.runs > 0 ? format_duration(t.since_last_run_ns)
                                                     : std::string("-");
  return right(num(t.id), id_w) + "  " + fit(name, name_w) + " " + fit(t.state, state_w) +
         right(runs, runs_w) + right(busy, busy_w) + right(last, last_w) + "  " + t.where();
}

std::vector<std::string> detail_lines(const task& t) {
  std::vector<std::string> out;
  out.push_back("task " + num(t.id) + (t.name.empty() ? "" : " [" + t.name + "]") + "  " + t.state);
  if (t.has_spawn_location) {
    out.push_back("  spawned at " + t.spawned_at.file + ":" + std::to_string(t.spawned_at.line) +
                  " in " + t.spawned_at.function);
  } else {
    out.push_back("  spawned at (unknown location)");
  }
  if (t.tracked) {
    out.push_back("  runs " + num(t.runs) + "   busy " + format_duration(t.busy_ns) +
                  "   last ran " +
                  (t.runs > 0 ? format_duration(t.since_last_run_ns) + " ago" : "never"));
  }
  out.emplace_back();
  if (t.has_waiting) {
    strand_lines(out, t.waiting, "  ");
  } else {
    out.push_back("  " + t.state + ": where it waits is known only while it is idle");
  }
  return out;
}

}  // namespace edo_console
