// The runtime observer (see observer.hpp).
#include "observe/observer.hpp"

#include <system_error>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <edo/detail/context.hpp>

#include "observe/console.hpp"
#include "runtime/config.hpp"
#include "runtime/context.hpp"

namespace edo::detail {

observer_config observer_config_from(const runtime_config& cfg) {
  observer_config o;
  o.track_tasks = cfg.track_tasks;
  o.long_poll = cfg.long_poll;
  o.on_long_poll = cfg.on_long_poll;
  o.trace_path = cfg.trace_path;
  if (o.trace_path.empty()) {
    if (const char* e = std::getenv("EDO_TRACE"); e != nullptr && *e != '\0') o.trace_path = e;
  }
  o.console_path = cfg.console_path;
  o.console_required = !o.console_path.empty();
  if (o.console_path.empty()) {
    if (const char* e = std::getenv("EDO_CONSOLE"); e != nullptr && *e != '\0') o.console_path = e;
  }
  // Stall detection, traces and the console need per-task data.
  if (o.long_poll.count() > 0 || !o.trace_path.empty() || !o.console_path.empty()) {
    o.track_tasks = true;
  }
  return o;
}

observer::observer(runtime_context& rt, observer_config cfg, std::size_t workers)
    : rt_(rt), cfg_(std::move(cfg)), slots_(workers) {
  // The console first: it may throw, and nothing else has started yet.
  if (!cfg_.console_path.empty()) {
    try {
      console_ = std::make_unique<console_server>(rt_, cfg_.console_path);
    } catch (const std::system_error& e) {
      if (cfg_.console_required) throw;
      std::fprintf(stderr, "%s (EDO_CONSOLE); running without the console\n", e.what());
    }
  }
  if (!cfg_.trace_path.empty()) trace_ = make_trace_sink(cfg_.trace_path);
  if (cfg_.long_poll.count() > 0) monitor_ = std::thread([this] { monitor_main(); });
}

observer::~observer() {
  stop();
}

void observer::stop() noexcept {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (console_) console_->stop();  // closes its clients and removes the socket file
  cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  if (trace_) trace_->flush();
}

observer::run_token observer::run_begin(std::size_t w, task_header* t) noexcept {
  run_token tok{t, t->extra_, now_ns()};
  // The task may complete (and be freed) during the run: keep it until run_end.
  task_ref(t);
  if (cfg_.long_poll.count() > 0 && w < slots_.size()) {
    // Seqlock: the fields are written while seq is even (idle), then seq becomes odd
    // (running) with a release store; run_end makes it even again. A reader that sees the
    // same odd seq before and after reading the fields read one run's fields.
    slot& s = slots_[w];
    s.begin_ns.store(tok.begin_ns, std::memory_order_relaxed);
    s.task_id.store(t->id_, std::memory_order_relaxed);
    s.loc.store(t->loc_.file_name(), std::memory_order_relaxed);
    s.loc_line.store(t->loc_.line(), std::memory_order_relaxed);
    const char* n = t->name();
    std::size_t i = 0;
    if (n != nullptr) {
      for (; n[i] != '\0' && i + 1 < sizeof s.name; ++i) {
        std::atomic_ref<char>(s.name[i]).store(n[i], std::memory_order_relaxed);
      }
    }
    std::atomic_ref<char>(s.name[i]).store('\0', std::memory_order_relaxed);
    // ordering: release publishes the fields to the monitor's acquire load of seq.
    s.seq.store(s.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  return tok;
}

void observer::run_end(std::size_t w, const run_token& tok) noexcept {
  const std::int64_t end = now_ns();
  if (cfg_.long_poll.count() > 0 && w < slots_.size()) {
    slot& s = slots_[w];
    s.seq.store(s.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);  // even
  }
  if (tok.extra != nullptr) {
    tok.extra->run_count.fetch_add(1, std::memory_order_relaxed);
    tok.extra->busy_ns.fetch_add(static_cast<std::uint64_t>(end - tok.begin_ns),
                                 std::memory_order_relaxed);
    tok.extra->last_run_ns.store(end, std::memory_order_relaxed);
  }
  if (trace_) {
    trace_->run(static_cast<std::uint32_t>(w), tok.task->id_, tok.task->name(), tok.begin_ns, end);
  }
  task_release(tok.task);
}

void observer::on_spawn(task_header* child) noexcept {
  if (!trace_) return;
  task_header* parent = tls.current_task;
  trace_->spawn(parent != nullptr ? parent->id_ : 0, child->id_, now_ns());
}

void observer::on_schedule(task_header* woken) noexcept {
  if (!trace_) return;
  task_header* by = tls.current_task;
  if (by != nullptr && by != woken) trace_->wake(by->id_, woken->id_, now_ns());
}

void observer::on_blocking(std::uint64_t task, std::int64_t begin_ns,
                           std::int64_t end_ns) noexcept {
  if (trace_) trace_->blocking(task, begin_ns, end_ns);
}

void observer::on_thread_start(const char* name) noexcept {
  if (trace_) trace_->thread_name(name);
}

void observer::monitor_main() {
  const auto period =
      std::max(cfg_.long_poll / 4, std::chrono::nanoseconds(std::chrono::milliseconds(1)));
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, period);
    if (stopping_) break;
    const std::int64_t now = now_ns();
    for (std::size_t w = 0; w < slots_.size(); ++w) report(w, slots_[w], now);
  }
}

void observer::report(std::size_t w, slot& s, std::int64_t now) {
  // ordering: seqlock read; acquire pairs with run_begin's release stores.
  const std::uint64_t seq = s.seq.load(std::memory_order_acquire);
  if ((seq & 1) == 0 || seq == s.reported_seq) return;  // idle, or already reported
  long_poll_report r;
  const std::int64_t begin = s.begin_ns.load(std::memory_order_relaxed);
  r.task_id = s.task_id.load(std::memory_order_relaxed);
  const auto* file = static_cast<const char*>(s.loc.load(std::memory_order_relaxed));
  const std::uint32_t line = s.loc_line.load(std::memory_order_relaxed);
  char name[sizeof s.name];
  for (std::size_t i = 0; i < sizeof name; ++i) {
    name[i] = std::atomic_ref<char>(s.name[i]).load(std::memory_order_relaxed);
  }
  name[sizeof name - 1] = '\0';
  std::atomic_thread_fence(std::memory_order_acquire);
  if (s.seq.load(std::memory_order_relaxed) != seq) return;  // the run changed meanwhile
  if (now - begin < cfg_.long_poll.count()) return;
  s.reported_seq = seq;
  r.task_name = name;
  if (file != nullptr && line != 0) r.spawned_at = std::string(file) + ":" + std::to_string(line);
  r.worker = w;
  r.running_for = std::chrono::nanoseconds(now - begin);
  if (cfg_.on_long_poll) {
    cfg_.on_long_poll(r);
    return;
  }
  std::fprintf(stderr,
               "edo: task %llu%s%s%s%s%s has been running for %.1f ms without yielding on "
               "worker %zu: it blocks the thread (a blocking call or heavy CPU work in an "
               "async task: use edo::spawn_blocking or an async equivalent)\n",
               static_cast<unsigned long long>(r.task_id), r.task_name.empty() ? "" : " [",
               r.task_name.c_str(), r.task_name.empty() ? "" : "]",
               r.spawned_at.empty() ? "" : " spawned at ", r.spawned_at.c_str(),
               static_cast<double>(r.running_for.count()) / 1e6, w);
}

}  // namespace edo::detail
