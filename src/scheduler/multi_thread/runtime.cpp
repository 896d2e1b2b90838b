// The multi-thread runtime (see runtime.hpp).
#include "scheduler/multi_thread/runtime.hpp"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include <edo/detail/context.hpp>
#include <edo/detail/executor.hpp>
#include <edo/detail/local_executor.hpp>

namespace edo::detail {

using steady = std::chrono::steady_clock;

namespace {

std::size_t default_workers() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// Measured in docs/performance.md.
constexpr int default_spin_us = 0;

std::size_t worker_count(const runtime_config& cfg) {
  return cfg.worker_threads != 0 ? cfg.worker_threads : default_workers();
}

}  // namespace

time_driver* multi_thread_runtime::make_time_driver() {
  if (!config_.enable_time) return nullptr;
  // One timer queue per worker, plus one for threads that are not workers.
  time_ = std::make_unique<time_driver>(config_.start_paused, worker_count(config_) + 1);
  return time_.get();
}

multi_thread_runtime::multi_thread_runtime(runtime_config cfg)
    : runtime_context(std::move(cfg)),
      idle_(worker_count(config_)),
      driver_(make_time_driver(), make_io_driver()) {
  const std::size_t n = worker_count(config_);
  init_observer(n);
  // EDO_SPIN_US: the spin before parking, in microseconds (a tuning knob; see
  // docs/performance.md for how the default was chosen).
  spin_ = std::chrono::microseconds(default_spin_us);
  if (const char* e = std::getenv("EDO_SPIN_US")) spin_ = std::chrono::microseconds(std::atoi(e));
  // The holder re-checks idleness under the driver before jumping a paused clock.
  driver_.set_idle_check(
      [](void* self) noexcept {
        return static_cast<const multi_thread_runtime*>(self)->may_auto_advance();
      },
      this);
  workers_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<worker>(*this, i, time_ ? &time_->queue(i) : nullptr));
  }
  start_threads();
}

multi_thread_runtime::~multi_thread_runtime() {
  stop_workers();
}

void multi_thread_runtime::start_threads() {
  threads_.reserve(workers_.size());
  for (auto& w : workers_) start_thread(w.get());
}

void multi_thread_runtime::start_thread(worker* w) {
  std::lock_guard lock(threads_mu_);
  pthread_t handle;
  if (config_.thread_stack_size != 0) {
    // std::thread has no stack size: create it through pthread attributes.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, config_.thread_stack_size);
    const int rc = pthread_create(
        &handle, &attr,
        [](void* p) -> void* {
          static_cast<worker*>(p)->run();
          return nullptr;
        },
        w);
    pthread_attr_destroy(&attr);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "edo: worker thread");
    raw_threads_.push_back(handle);
  } else {
    threads_.emplace_back([w] { w->run(); });
    handle = threads_.back().native_handle();
  }
  pthread_setname_np(handle, config_.thread_name.substr(0, 15).c_str());
}

void multi_thread_runtime::fill_metrics(runtime_metrics& m) {
  m.num_workers = workers_.size();
  m.global_queue_depth = inject_.len();
  m.workers.resize(workers_.size());
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    fill(m.workers[i], workers_[i]->counters());
    m.workers[i].local_queue_depth = workers_[i]->queue().len();
  }
}

void multi_thread_runtime::block_in_place(void* tag) {
  auto* w = static_cast<worker*>(static_cast<worker_tag*>(tag));
  if (w->has_pinned()) {
    throw std::logic_error(
        "edo::block_in_place: this worker has tasks pinned to its thread (spawn_local); "
        "handing its queue to another thread would move them");
  }
  // This thread stops being the worker: its queue, LIFO slot and timers go on on a new
  // thread; this one finishes the current task run, then leaves the worker loop.
  w->hand_off();
  start_thread(w);
}

void multi_thread_runtime::stop_workers() noexcept {
  shutdown_.store(true, std::memory_order_release);
  for (auto& w : workers_) w->parker().unpark(driver_);
  std::vector<std::thread> threads;
  std::vector<pthread_t> raw;
  {
    std::lock_guard lock(threads_mu_);
    threads.swap(threads_);
    raw.swap(raw_threads_);
  }
  for (auto& th : threads) th.join();
  for (pthread_t th : raw) pthread_join(th, nullptr);
}

scheduler* multi_thread_runtime::task_scheduler(bool local) {
  if (!local) return this;
  auto* tag = static_cast<worker_tag*>(tls.worker);
  if (tag == nullptr || tag->rt != this) {
    throw std::logic_error(
        "edo::spawn_local: the calling thread is not a worker of this runtime (spawn_local "
        "pins the task to the calling worker thread; call it from a task running on one)");
  }
  auto* w = static_cast<worker*>(tag);
  w->pinned_spawned();
  return w->pinned();
}

void multi_thread_runtime::submit(task_header* t) noexcept {
  t->sched_->schedule(t);
}

timer_queue& multi_thread_runtime::timer_queue_for_this_thread() noexcept {
  auto* tag = static_cast<worker_tag*>(tls.worker);
  if (tag != nullptr && tag->rt == this) return *static_cast<worker*>(tag)->timers();
  return time_->queue(workers_.size());
}

void multi_thread_runtime::schedule(task_header* t) noexcept {
  if (EDO_UNLIKELY(observer_ != nullptr)) observer_->on_schedule(t);
  auto* tag = static_cast<worker_tag*>(tls.worker);
  if (tag != nullptr && tag->rt == this) {
    static_cast<worker*>(tag)->schedule_local(t, false);
    return;
  }
  inject_.push(t);
  notify_parked();
}

void multi_thread_runtime::release(task_header* t) noexcept {
  if (!t->in_owned_list_) return;
  owned_.remove(t);
  if (owned_.closed() && owned_.empty()) {
    std::lock_guard lock(shutdown_mu_);
    tasks_done_cv_.notify_all();
  }
}

void multi_thread_runtime::unhandled_exception(task_header* t, std::exception_ptr e) noexcept {
  report_unhandled(t, e);
  if (config_.unhandled != unhandled_policy::shutdown_runtime) return;
  std::lock_guard lock(fatal_mu_);
  if (fatal_set_.load(std::memory_order_relaxed)) return;
  fatal_ = e;
  fatal_set_.store(true, std::memory_order_release);
  owned_.close_and_cancel_all();
  for (task_header* m : mains_) task_cancel(m);
}

void multi_thread_runtime::notify_parked() noexcept {
  if (auto w = idle_.worker_to_notify()) workers_[*w]->parker().unpark(driver_);
}

void multi_thread_runtime::notify_if_work_pending() noexcept {
  // seq_cst loads: the parking side of the Dekker in idle::worker_to_notify.
  for (auto& w : workers_) {
    if (!w->queue().is_empty_seq_cst()) {
      notify_parked();
      return;
    }
  }
  if (!inject_.empty_seq_cst()) notify_parked();
}

bool multi_thread_runtime::may_auto_advance() const noexcept {
  return idle_.num_unparked() == 0 && inject_.empty() &&
         external_busy_.load(std::memory_order_seq_cst) == 0 && blocking_->in_flight() == 0 &&
         !driver_.advance_work_pending();
}

void multi_thread_runtime::poke_driver_if_idle() noexcept {
  if (time_ != nullptr && time_->clock().paused() && may_auto_advance()) driver_.unpark();
}

void multi_thread_runtime::block_on(task_header* main) {
  auto* tag = static_cast<worker_tag*>(tls.worker);
  if (tag != nullptr || tls.current_task != nullptr) {
    throw std::logic_error(
        "edo::runtime::block_on called from a thread that is running a runtime's tasks: it "
        "would block them; co_await the task instead");
  }
  local_executor exec;
  exec.set_idle_hooks(
      &external_busy_,
      [](void* self) { static_cast<multi_thread_runtime*>(self)->poke_driver_if_idle(); }, this);
  main->sched_ = &exec;
  runtime_enter enter(this, nullptr);
  if (owned_.closed()) {
    complete_unstarted(main);
    return;
  }
  {
    std::lock_guard lock(fatal_mu_);
    mains_.push_back(main);
  }
  try {
    exec.run(main);
  } catch (...) {
    std::lock_guard lock(fatal_mu_);
    std::erase(mains_, main);
    throw;
  }
  {
    std::lock_guard lock(fatal_mu_);
    std::erase(mains_, main);
  }
  if (fatal_set_.load(std::memory_order_acquire)) {
    std::exception_ptr e;
    {
      std::lock_guard lock(fatal_mu_);
      e = fatal_;
    }
    shutdown(config_.shutdown_timeout);
    std::rethrow_exception(e);
  }
}

bool multi_thread_runtime::wait_for_tasks(steady::time_point deadline) {
  std::unique_lock lock(shutdown_mu_);
  while (!owned_.empty()) {
    if (deadline == steady::time_point::max()) {
      tasks_done_cv_.wait(lock);
    } else if (tasks_done_cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return owned_.empty();
    }
  }
  return true;
}

bool multi_thread_runtime::shutdown(std::chrono::nanoseconds timeout) {
  auto* tag = static_cast<worker_tag*>(tls.worker);
  if (tag != nullptr && tag->rt == this) {
    std::fputs("edo: a runtime cannot be shut down from one of its own worker threads\n", stderr);
    std::abort();
  }
  {
    std::lock_guard lock(shutdown_mu_);
    if (shut_down_) return true;
    shut_down_ = true;
  }
  owned_.close_and_cancel_all();
  const auto deadline = timeout == std::chrono::nanoseconds::max() ? steady::time_point::max()
                                                                   : steady::now() + timeout;
  const bool ok = wait_for_tasks(deadline);
  stop_workers();
  if (!ok) leak_remaining();
  const bool blocking_ok = stop_blocking(deadline);
  return ok && blocking_ok;
}

void multi_thread_runtime::shutdown_background() {
  {
    std::lock_guard lock(shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  owned_.close_and_cancel_all();
  // The workers finish the tear-downs on their own; the runtime context stays alive until
  // they are done (a detached thread owns a reference and joins them).
  ref();
  std::thread([this] {
    const auto deadline = steady::now() + config_.shutdown_timeout;
    const bool ok = wait_for_tasks(deadline);
    stop_workers();
    if (!ok) leak_remaining();
    stop_blocking(deadline);
    unref();
  }).detach();
}

}  // namespace edo::detail
