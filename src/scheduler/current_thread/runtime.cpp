// The current-thread runtime (see runtime.hpp).
#include "scheduler/current_thread/runtime.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <edo/detail/context.hpp>
#include <edo/detail/executor.hpp>

#include "core/futex.hpp"

namespace edo::detail {

using steady = std::chrono::steady_clock;

class current_thread_runtime::core_guard {
 public:
  explicit core_guard(current_thread_runtime& rt) : rt_(rt) {
    std::unique_lock lock(rt_.core_mu_);
    rt_.core_cv_.wait(lock, [&] { return !rt_.core_busy_; });
    rt_.core_busy_ = true;
  }
  ~core_guard() { rt_.give_back_core(); }
  core_guard(const core_guard&) = delete;
  core_guard& operator=(const core_guard&) = delete;

 private:
  current_thread_runtime& rt_;
};

time_driver* current_thread_runtime::make_time_driver() {
  if (!config_.enable_time) return nullptr;
  time_ = std::make_unique<time_driver>(config_.start_paused, 1);
  return time_.get();
}

current_thread_runtime::current_thread_runtime(runtime_config cfg)
    : runtime_context(std::move(cfg)), driver_(make_time_driver(), make_io_driver()) {
  tag_.rt = this;
  init_observer(1);
}

current_thread_runtime::~current_thread_runtime() = default;

scheduler* current_thread_runtime::task_scheduler(bool) {
  return this;
}

void current_thread_runtime::submit(task_header* t) noexcept {
  schedule(t);
}

timer_queue& current_thread_runtime::timer_queue_for_this_thread() noexcept {
  return time_->queue(0);
}

void current_thread_runtime::schedule(task_header* t) noexcept {
  if (EDO_UNLIKELY(observer_ != nullptr)) observer_->on_schedule(t);
  if (tls.worker == &tag_) {
    local_.push(t);
    return;
  }
  {
    std::lock_guard lock(inject_mu_);
    inject_.push(t);
    inject_len_.store(inject_.size(), std::memory_order_release);
  }
  driver_.unpark();
}

void current_thread_runtime::release(task_header* t) noexcept {
  if (t->in_owned_list_) owned_.remove(t);
}

void current_thread_runtime::unhandled_exception(task_header* t, std::exception_ptr e) noexcept {
  report_unhandled(t, e);
  if (config_.unhandled == unhandled_policy::shutdown_runtime &&
      !fatal_set_.load(std::memory_order_relaxed)) {
    fatal_ = e;  // runner thread: the core's owner
    fatal_set_.store(true, std::memory_order_release);
  }
}

bool current_thread_runtime::poll_inject(std::size_t max) noexcept {
  if (inject_len_.load(std::memory_order_acquire) == 0) return false;
  std::lock_guard lock(inject_mu_);
  bool any = false;
  while (max-- > 0) {
    task_header* t = inject_.pop();
    if (t == nullptr) break;
    local_.push(t);
    any = true;
  }
  inject_len_.store(inject_.size(), std::memory_order_release);
  return any;
}

task_header* current_thread_runtime::next_task() noexcept {
  if (tick_ % config_.global_queue_interval == 0) poll_inject(config_.global_queue_interval);
  if (task_header* t = local_.pop()) return t;
  if (poll_inject(SIZE_MAX)) return local_.pop();
  return nullptr;
}

void current_thread_runtime::park(steady::time_point deadline) noexcept {
  if (inject_len_.load(std::memory_order_acquire) != 0) return;
  std::optional<std::chrono::nanoseconds> max_wait;
  if (deadline != steady::time_point::max()) max_wait = deadline - steady::now();
  worker_counters::bump(counters_.park_count);
  // Busy time is counted from wake-up to park (a clock read per park, not per task run).
  worker_counters::bump(
      counters_.busy_ns,
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - busy_since_)
              .count()));
  // Nothing runs here while we park: a paused clock may jump to the next timer, unless a
  // blocking job may still wake a task.
  driver_.park(max_wait, blocking_->in_flight() == 0);
  busy_since_ = steady::now();
}

bool current_thread_runtime::run_loop(loop_until until, task_header* main,
                                      steady::time_point deadline) {
  bool main_cancelled = false;
  for (;;) {
    if (until == loop_until::main_done) {
      if (task_is_complete(main)) return true;
      if (fatal_set_.load(std::memory_order_acquire) && !main_cancelled) {
        owned_.close_and_cancel_all();
        task_cancel(main);
        main_cancelled = true;
      }
    }
    task_header* t = next_task();
    if (t == nullptr) {
      if (until == loop_until::no_tasks && owned_.empty()) return true;
      if (deadline != steady::time_point::max() && steady::now() >= deadline) return false;
      park(deadline);
      continue;
    }
    ++tick_;
    if (tick_ % config_.event_interval == 0) {
      // Timers (and I/O) now due; no epoll_wait while no fd is registered.
      driver_.park(std::chrono::nanoseconds::zero(), false, true);
      if (deadline != steady::time_point::max() && steady::now() >= deadline) {
        local_.push(t);
        return false;
      }
    }
    tls.budget = budget_per_run;
    worker_counters::bump(counters_.poll_count);
    run_result r;
    if (EDO_UNLIKELY(observer_ != nullptr)) {
      const observer::run_token tok = observer_->run_begin(0, t);
      r = run_task(t);
      observer_->run_end(0, tok);
    } else {
      r = run_task(t);
    }
    if (r == run_result::notified || r == run_result::yielded) local_.push(t);
    local_len_.store(local_.size(), std::memory_order_relaxed);
  }
}

// The scheduler of a block_on pseudo-task (Tokio's CurrentThread::block_on): while its
// thread holds the core the task is queued like any other; while another thread holds the
// core, its thread runs it alone (its spawns still run on the core) and takes the core as
// soon as it is released.
class current_thread_runtime::block_on_sched final : public scheduler {
 public:
  static constexpr std::uint32_t main_notified = 1;
  static constexpr std::uint32_t core_freed = 2;

  explicit block_on_sched(current_thread_runtime& rt) noexcept : rt_(rt) {}

  void schedule(task_header* t) noexcept override {
    // ordering: seq_cst, paired with the switch to the core (on_core_ then pending_).
    if (on_core_.load(std::memory_order_seq_cst)) {
      rt_.schedule(t);
      return;
    }
    signal(main_notified);
  }
  void release(task_header*) noexcept override {}
  void unhandled_exception(task_header* t, std::exception_ptr e) noexcept override {
    rt_.unhandled_exception(t, e);
  }

  void signal(std::uint32_t bits) noexcept {
    pending_.fetch_or(bits, std::memory_order_seq_cst);
    thread_notify(pending_);
  }
  std::uint32_t wait() noexcept {
    std::uint32_t bits;
    while ((bits = pending_.exchange(0, std::memory_order_seq_cst)) == 0) {
      thread_wait(pending_, 0);
    }
    return bits;
  }
  std::uint32_t take() noexcept { return pending_.exchange(0, std::memory_order_seq_cst); }
  void set_on_core(bool v) noexcept { on_core_.store(v, std::memory_order_seq_cst); }

 private:
  current_thread_runtime& rt_;
  std::atomic<bool> on_core_{false};
  std::atomic<std::uint32_t> pending_{0};
};

bool current_thread_runtime::try_take_core(block_on_sched* waiter) {
  std::lock_guard lock(core_mu_);
  if (!core_busy_) {
    core_busy_ = true;
    std::erase(core_waiters_, waiter);
    return true;
  }
  if (waiter != nullptr &&
      std::find(core_waiters_.begin(), core_waiters_.end(), waiter) == core_waiters_.end()) {
    core_waiters_.push_back(waiter);
  }
  return false;
}

void current_thread_runtime::give_back_core() noexcept {
  std::lock_guard lock(core_mu_);
  core_busy_ = false;
  for (block_on_sched* w : core_waiters_) w->signal(block_on_sched::core_freed);
  core_cv_.notify_one();
}

void current_thread_runtime::block_on(task_header* main) {
  if (tls.worker != nullptr || tls.current_task != nullptr) {
    throw std::logic_error(
        "edo::runtime::block_on called from a thread that is running a runtime's tasks: it "
        "would block them; co_await the task instead");
  }
  block_on_sched sched(*this);
  main->sched_ = &sched;
  runtime_enter enter(this, nullptr);
  if (shut_down_.load(std::memory_order_acquire)) {
    complete_unstarted(main);
    return;
  }
  bool queued = true;  // the pseudo-task starts notified
  for (;;) {
    if (try_take_core(&sched)) {
      sched.set_on_core(true);
      if ((sched.take() & block_on_sched::main_notified) != 0) queued = true;
      if (queued) local_.push(main);
      tls.worker = &tag_;
      run_loop(loop_until::main_done, main, steady::time_point::max());
      tls.worker = nullptr;
      give_back_core();
      break;
    }
    // Another thread drives the runtime: run our task here until it completes or the core
    // is released.
    const std::int32_t saved_budget = tls.budget;
    tls.budget = budget_unlimited;
    bool retry_core = false;
    while (!retry_core) {
      if (!queued) {
        const std::uint32_t bits = sched.wait();
        queued = (bits & block_on_sched::main_notified) != 0;
        retry_core = (bits & block_on_sched::core_freed) != 0;
        if (!queued) continue;
      }
      const run_result r = run_task(main);
      if (r == run_result::complete) break;
      queued = r != run_result::idle;
    }
    tls.budget = saved_budget;
    if (task_is_complete(main)) {
      std::lock_guard lock(core_mu_);
      std::erase(core_waiters_, &sched);
      break;
    }
  }
  if (fatal_set_.load(std::memory_order_acquire) && try_take_core(nullptr)) {
    std::exception_ptr e = fatal_;
    // Finish the shutdown the fatal exception started, then report it to the caller.
    shut_down_.store(true, std::memory_order_release);
    runtime_enter on_core(this, &tag_);
    if (!run_loop(loop_until::no_tasks, nullptr, steady::now() + config_.shutdown_timeout)) {
      leak_remaining();
    }
    give_back_core();
    std::rethrow_exception(e);
  }
}

bool current_thread_runtime::shutdown(std::chrono::nanoseconds timeout) {
  if (tls.worker == &tag_) {
    std::fputs("edo: a runtime cannot be shut down from one of its own tasks\n", stderr);
    std::abort();
  }
  const bool first = !shut_down_.exchange(true, std::memory_order_acq_rel);
  core_guard core(*this);
  runtime_enter enter(this, &tag_);
  owned_.close_and_cancel_all();
  if (!first && owned_.empty()) return true;
  const auto deadline = timeout == std::chrono::nanoseconds::max() ? steady::time_point::max()
                                                                   : steady::now() + timeout;
  const bool ok = run_loop(loop_until::no_tasks, nullptr, deadline);
  if (!ok) leak_remaining();
  const bool blocking_ok = stop_blocking(deadline);
  return ok && blocking_ok;
}

void current_thread_runtime::fill_metrics(runtime_metrics& m) {
  m.num_workers = 1;
  m.global_queue_depth = inject_len_.load(std::memory_order_acquire);
  m.workers.resize(1);
  fill(m.workers[0], counters_);
  m.workers[0].local_queue_depth = local_len_.load(std::memory_order_relaxed);
}

void current_thread_runtime::block_in_place(void*) {
  throw std::logic_error(
      "edo::block_in_place needs the multi-thread runtime: on a current-thread runtime no "
      "other thread can take over this thread's tasks; use edo::spawn_blocking");
}

void current_thread_runtime::shutdown_background() {
  // One thread runs everything here, so tearing the tasks down needs a run each; do what
  // can be done without waiting and leak (with a report) what cannot.
  shutdown(std::chrono::nanoseconds::zero());
}

}  // namespace edo::detail
