// edo-console: the terminal client of edo's live console (docs/console.md).
//
//   edo-console SOCKET                 live view: workers and a sortable table of tasks,
//                                      refreshed every 500 ms; Enter shows a task's details
//   edo-console --once SOCKET          one snapshot as text, then exit (scripts, tests)
//   edo-console --once --task ID SOCKET   one task's details as text
//   edo-console --json SOCKET          the raw snapshot answer (one line of JSON)
//   options: --sort id|name|state|runs|busy|last|where, --reverse
//
// The runtime serves SOCKET when built with .console(path) or run with EDO_CONSOLE=path.
// Keys in the live view: up/down (or k/j) select a task, PgUp/PgDn/Home/End move faster,
// left/right or 1..7 choose the sort column (the same number again reverses it), r reverses,
// Enter opens the selected task's details (up/down scroll, Esc or q back), q quits. The
// terminal is restored on exit and on SIGINT/SIGTERM/SIGHUP/SIGQUIT.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "client.hpp"
#include "model.hpp"
#include "terminal.hpp"
#include "view.hpp"

namespace edo_console {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto refresh_period = 500ms;

struct options {
  std::string socket;
  bool once = false;
  bool json = false;
  bool has_task = false;
  std::uint64_t task_id = 0;
  column sort = column::id;
  bool descending = false;
};

[[noreturn]] void usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "edo-console: %s\n", why);
  std::fprintf(stderr,
               "usage: edo-console [--once | --json] [--task ID] [--sort COLUMN] [--reverse] "
               "SOCKET\n"
               "  SOCKET: the Unix socket of a runtime built with .console(path) or run with\n"
               "          EDO_CONSOLE=path\n"
               "  --once: print one snapshot as text and exit; --json: print the raw answer\n"
               "  --task ID: one task's details (with --once or --json)\n"
               "  --sort id|name|state|runs|busy|last|where, --reverse: the table's order\n");
  std::exit(2);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--once") {
      o.once = true;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--task") {
      const std::string v = value();
      char* end = nullptr;
      o.task_id = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0') usage("--task wants a task id");
      o.has_task = true;
    } else if (a == "--sort") {
      if (!parse_column(value(), o.sort)) usage("unknown --sort column");
    } else if (a == "--reverse") {
      o.descending = true;
    } else if (a == "-h" || a == "--help") {
      usage(nullptr);
    } else if (!a.empty() && a[0] == '-') {
      usage(("unknown option " + a).c_str());
    } else if (o.socket.empty()) {
      o.socket = a;
    } else {
      usage("more than one socket");
    }
  }
  if (o.socket.empty()) usage("no socket given");
  if (o.has_task && !o.once && !o.json) usage("--task needs --once or --json");
  return o;
}

// --once and --json: one request, printed; exit code 1 on any failure.
int run_once(const options& o) {
  client c;
  std::string error, line;
  const std::string request = o.has_task ? "task " + std::to_string(o.task_id) : "snapshot";
  if (!c.connect(o.socket, error) || !c.ask(request, line, error)) {
    std::fprintf(stderr, "edo-console: %s\n", error.c_str());
    return 1;
  }
  if (o.json) {
    std::printf("%s\n", line.c_str());
    return 0;
  }
  if (o.has_task) {
    task t;
    if (!read_task(line, t, error)) {
      std::fprintf(stderr, "edo-console: %s\n", error.c_str());
      return 1;
    }
    for (const auto& l : detail_lines(t)) std::printf("%s\n", l.c_str());
    return 0;
  }
  snapshot s;
  if (!read_snapshot(line, s, error)) {
    std::fprintf(stderr, "edo-console: %s\n", error.c_str());
    return 1;
  }
  for (const auto& l : header_lines(o.socket, s, nullptr)) std::printf("%s\n", l.c_str());
  std::printf("\n%s\n", table_title(o.sort, o.descending).c_str());
  sort_tasks(s.tasks, o.sort, o.descending);
  for (const auto& t : s.tasks) std::printf("%s\n", table_row(t).c_str());
  return 0;
}

// The live view's state between frames.
class live_view {
 public:
  explicit live_view(const options& o) : opt_(o), sort_(o.sort), descending_(o.descending) {}

  int run() {
    terminal term;
    auto next = steady::now();
    while (!quit_) {
      if (steady::now() >= next) {
        refresh();
        next = steady::now() + refresh_period;
      }
      term.resized();
      term.draw(frame(term.rows(), term.cols()));
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - steady::now());
      const key_event k = term.read_key(std::max(left, 0ms));
      if (k.k != key::none) on_key(k, term.rows());
    }
    return 0;
  }

 private:
  void refresh() {
    std::string error, line;
    if (!client_.connected() && !client_.connect(opt_.socket, error)) {
      status_ = error + " (retrying)";
      return;
    }
    if (!client_.ask("snapshot", line, error, 5s)) {
      status_ = "connection lost: " + error + " (retrying)";
      return;
    }
    snapshot s;
    if (!read_snapshot(line, s, error)) {
      status_ = error;
      return;
    }
    if (have_) before_ = std::move(now_);
    have_before_ = have_;
    now_ = std::move(s);
    have_ = true;
    status_.clear();
    rows_ = now_.tasks;
    sort_tasks(rows_, sort_, descending_);
    follow_selection();
  }

  void resort() {
    sort_tasks(rows_, sort_, descending_);
    follow_selection();
  }

  // Keeps the selected task selected after a refresh or a sort; if it is gone, the row at
  // the same position is selected instead.
  void follow_selection() {
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      if (rows_[i].id == selected_id_) {
        selected_ = i;
        return;
      }
    }
    if (rows_.empty()) {
      selected_ = 0;
      return;
    }
    selected_ = std::min(selected_, rows_.size() - 1);
    selected_id_ = rows_[selected_].id;
  }

  void select(long delta) {
    if (rows_.empty()) return;
    const long n = static_cast<long>(rows_.size());
    const long i = std::clamp(static_cast<long>(selected_) + delta, 0L, n - 1);
    selected_ = static_cast<std::size_t>(i);
    selected_id_ = rows_[selected_].id;
  }

  void on_key(const key_event& k, int screen_rows) {
    const long page = std::max(1, screen_rows - 8);
    const char ch = k.k == key::character ? k.ch : 0;
    if (details_) {
      if (k.k == key::escape || ch == 'q' || k.k == key::left || ch == 0x7f || ch == 'h') {
        details_ = false;
      } else if (k.k == key::up || ch == 'k') {
        detail_scroll_ = std::max(0L, detail_scroll_ - 1);
      } else if (k.k == key::down || ch == 'j') {
        ++detail_scroll_;
      } else if (k.k == key::page_up) {
        detail_scroll_ = std::max(0L, detail_scroll_ - page);
      } else if (k.k == key::page_down) {
        detail_scroll_ += page;
      } else if (k.k == key::home || ch == 'g') {
        detail_scroll_ = 0;
      }
      return;
    }
    if (ch == 'q') {
      quit_ = true;
    } else if (k.k == key::up || ch == 'k') {
      select(-1);
    } else if (k.k == key::down || ch == 'j') {
      select(1);
    } else if (k.k == key::page_up) {
      select(-page);
    } else if (k.k == key::page_down) {
      select(page);
    } else if (k.k == key::home || ch == 'g') {
      select(-static_cast<long>(rows_.size()));
    } else if (k.k == key::end || ch == 'G') {
      select(static_cast<long>(rows_.size()));
    } else if (k.k == key::left || k.k == key::right || ch == '<' || ch == '>') {
      const int step = (k.k == key::left || ch == '<') ? column_count - 1 : 1;
      sort_ = static_cast<column>((static_cast<int>(sort_) + step) % column_count);
      resort();
    } else if (ch >= '1' && ch < '1' + column_count) {
      const auto c = static_cast<column>(ch - '1');
      descending_ = c == sort_ ? !descending_ : false;
      sort_ = c;
      resort();
    } else if (ch == 'r') {
      descending_ = !descending_;
      resort();
    } else if (k.k == key::enter && !rows_.empty()) {
      details_ = true;
      detail_id_ = rows_[selected_].id;
      detail_scroll_ = 0;
    }
  }

  // The whole screen: `rows` lines of at most `cols` columns.
  std::string frame(int rows, int cols) {
    const auto width = static_cast<std::size_t>(std::max(cols, 1));
    std::vector<std::string> lines;  // plain text, fitted below
    std::vector<bool> highlight;     // reverse video
    auto add = [&](std::string s, bool hl = false) {
      lines.push_back(std::move(s));
      highlight.push_back(hl);
    };
    std::string footer;
    if (!have_) {
      add("edo-console  " + opt_.socket);
      add("");
      add("waiting for the runtime...");
      footer = "q quit";
    } else if (details_) {
      footer = "up/down scroll  esc/q back";
      const task* t = nullptr;
      for (const task& r : now_.tasks) {
        if (r.id == detail_id_) t = &r;
      }
      if (t != nullptr) {
        detail_task_ = *t;
      } else if (detail_task_.id == detail_id_) {
        footer =
            "task " + std::to_string(detail_id_) + " has finished (last state shown)  " + footer;
      }
      std::vector<std::string> d = detail_task_.id == detail_id_
                                       ? detail_lines(detail_task_)
                                       : std::vector<std::string>{"no such task"};
      const long body = std::max(1, rows - 1);
      detail_scroll_ =
          std::clamp(detail_scroll_, 0L, std::max(0L, static_cast<long>(d.size()) - body));
      for (long i = detail_scroll_; i < static_cast<long>(d.size()) && i - detail_scroll_ < body;
           ++i) {
        add(d[static_cast<std::size_t>(i)], i == 0);
      }
    } else {
      for (auto& l : header_lines(opt_.socket, now_, have_before_ ? &before_ : nullptr)) {
        add(std::move(l), lines.empty());
      }
      add("");
      add("  " + table_title(sort_, descending_), true);
      const long body = std::max(1L, static_cast<long>(rows) - static_cast<long>(lines.size()) - 1);
      // Scroll so that the selected row is visible.
      const long sel = static_cast<long>(selected_);
      if (sel < offset_) offset_ = sel;
      if (sel >= offset_ + body) offset_ = sel - body + 1;
      offset_ = std::clamp(offset_, 0L, std::max(0L, static_cast<long>(rows_.size()) - body));
      for (long i = offset_; i < static_cast<long>(rows_.size()) && i - offset_ < body; ++i) {
        const bool is_sel = i == sel;
        add((is_sel ? "> " : "  ") + table_row(rows_[static_cast<std::size_t>(i)]), is_sel);
      }
      footer = "up/down select  enter details  left/right or 1-7 sort  r reverse  q quit";
    }
    if (!status_.empty()) footer = status_;
    std::string out = "\x1b[H";
    const auto body_rows = static_cast<std::size_t>(std::max(rows - 1, 0));
    for (std::size_t i = 0; i < body_rows; ++i) {
      if (i < lines.size()) {
        const bool hl = highlight[i];
        if (hl) out += "\x1b[7m";
        std::string l = fit(lines[i], width);
        if (!hl) l.erase(l.find_last_not_of(' ') + 1);  // \x1b[K clears the rest
        out += l;
        if (hl) out += "\x1b[0m";
      }
      out += "\x1b[K\r\n";
    }
    out += "\x1b[2m" + fit(footer, width - 1) + "\x1b[0m\x1b[K";
    return out;
  }

  const options& opt_;
  client client_;
  snapshot now_, before_;
  bool have_ = false, have_before_ = false;
  std::vector<task> rows_;  // now_.tasks, sorted
  column sort_;
  bool descending_;
  std::size_t selected_ = 0;
  std::uint64_t selected_id_ = 0;
  long offset_ = 0;
  bool details_ = false;
  std::uint64_t detail_id_ = 0;
  task detail_task_;
  long detail_scroll_ = 0;
  std::string status_;
  bool quit_ = false;
};

}  // namespace
}  // namespace edo_console

int main(int argc, char** argv) {
  using namespace edo_console;
  const options o = parse_args(argc, argv);
  if (o.once || o.json) return run_once(o);
  try {
    live_view v(o);
    return v.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edo-console: %s\n", e.what());
    return 1;
  }
}
