// edo::runtime, its builder and runtime_handle: thin shells over runtime_context.
#include <edo/runtime.hpp>

#include <edo/detail/context.hpp>
#include <edo/error.hpp>

#include "runtime/config.hpp"
#include "runtime/context.hpp"
#include "scheduler/current_thread/runtime.hpp"
#include "scheduler/multi_thread/runtime.hpp"

namespace edo {

// ---- runtime_handle ----

runtime_handle::runtime_handle(const runtime_handle& o) noexcept : rt_(o.rt_) {
  if (rt_ != nullptr) rt_->ref();
}

runtime_handle::~runtime_handle() {
  if (rt_ != nullptr) rt_->unref();
}

detail::runtime_context& runtime_handle::checked() const {
  if (rt_ == nullptr) throw std::logic_error("edo::runtime_handle: empty handle");
  return *rt_;
}

runtime_metrics runtime_handle::metrics() const {
  return checked().metrics();
}
runtime_dump runtime_handle::dump() const {
  return checked().dump();
}

runtime_handle runtime_handle::current() {
  detail::runtime_context& rt = detail::current_runtime("edo::runtime_handle::current");
  rt.ref();
  return runtime_handle(&rt);
}

runtime_handle runtime_handle::try_current() noexcept {
  detail::runtime_context* rt = detail::tls.runtime;
  if (rt == nullptr) return {};
  rt->ref();
  return runtime_handle(rt);
}

runtime_handle::enter_guard::enter_guard(detail::runtime_context* rt) noexcept
    : prev_(detail::tls.runtime), prev_worker_(detail::tls.worker) {
  detail::tls.runtime = rt;
  // Entering a runtime on a worker thread of another runtime keeps this thread's worker:
  // wakes from here still go through the right scheduler (each task knows its own).
}

runtime_handle::enter_guard::~enter_guard() {
  detail::tls.runtime = prev_;
  detail::tls.worker = prev_worker_;
}

// ---- runtime ----

runtime::runtime() : runtime(builder::multi_thread().enable_all().build()) {}

runtime& runtime::operator=(runtime&& o) noexcept {
  if (this != &o) {
    runtime tmp(std::move(*this));
    rt_ = std::exchange(o.rt_, nullptr);
  }
  return *this;
}

runtime::~runtime() {
  if (rt_ == nullptr) return;
  rt_->shutdown(rt_->config().shutdown_timeout);
  rt_->unref();
}

runtime_handle runtime::handle() const noexcept {
  rt_->ref();
  return runtime_handle(rt_);
}

runtime_metrics runtime::metrics() const {
  if (rt_ == nullptr) throw std::logic_error("edo::runtime::metrics on a moved-from runtime");
  return rt_->metrics();
}

runtime_dump runtime::dump() const {
  if (rt_ == nullptr) throw std::logic_error("edo::runtime::dump on a moved-from runtime");
  return rt_->dump();
}

bool runtime::shutdown_timeout(std::chrono::nanoseconds timeout) {
  if (rt_ == nullptr) return true;
  const bool ok = rt_->shutdown(timeout);
  std::exchange(rt_, nullptr)->unref();
  return ok;
}

void runtime::shutdown_background() {
  if (rt_ == nullptr) return;
  rt_->shutdown_background();
  std::exchange(rt_, nullptr)->unref();
}

namespace detail {
void runtime_block_on(runtime_context* rt, task_header* main) {
  if (rt == nullptr) throw std::logic_error("edo::runtime::block_on on a moved-from runtime");
  main->id_ = next_task_id(*rt);  // block_on's task shows in traces and reports
  rt->block_on(main);
}
}  // namespace detail

// ---- builder ----

runtime::builder::builder(bool multi_thread) : cfg_(new detail::runtime_config) {
  cfg_->multi_thread = multi_thread;
}
runtime::builder::builder(builder&& o) noexcept : cfg_(std::exchange(o.cfg_, nullptr)) {}
runtime::builder& runtime::builder::operator=(builder&& o) noexcept {
  std::swap(cfg_, o.cfg_);
  return *this;
}
runtime::builder::~builder() {
  delete cfg_;
}

runtime::builder runtime::builder::current_thread() {
  return builder(false);
}
runtime::builder runtime::builder::multi_thread() {
  return builder(true);
}

runtime::builder& runtime::builder::enable_all() & {
  cfg_->enable_time = true;
  cfg_->enable_io = true;
  return *this;
}
runtime::builder& runtime::builder::enable_time() & {
  cfg_->enable_time = true;
  return *this;
}
runtime::builder& runtime::builder::enable_io() & {
  cfg_->enable_io = true;
  return *this;
}
runtime::builder& runtime::builder::start_paused(bool paused) & {
  cfg_->start_paused = paused;
  return *this;
}
runtime::builder& runtime::builder::worker_threads(std::size_t n) & {
  if (n == 0) throw std::invalid_argument("edo::runtime::builder::worker_threads: n must be > 0");
  cfg_->worker_threads = n;
  return *this;
}
runtime::builder& runtime::builder::thread_name(std::string name) & {
  cfg_->thread_name = std::move(name);
  return *this;
}
runtime::builder& runtime::builder::thread_stack_size(std::size_t bytes) & {
  cfg_->thread_stack_size = bytes;
  return *this;
}
runtime::builder& runtime::builder::on_thread_start(std::function<void()> f) & {
  cfg_->on_thread_start = std::move(f);
  return *this;
}
runtime::builder& runtime::builder::on_thread_stop(std::function<void()> f) & {
  cfg_->on_thread_stop = std::move(f);
  return *this;
}
runtime::builder& runtime::builder::global_queue_interval(std::uint32_t n) & {
  if (n == 0) throw std::invalid_argument("edo::runtime::builder::global_queue_interval: 0");
  cfg_->global_queue_interval = n;
  return *this;
}
runtime::builder& runtime::builder::event_interval(std::uint32_t n) & {
  if (n == 0) throw std::invalid_argument("edo::runtime::builder::event_interval: 0");
  cfg_->event_interval = n;
  return *this;
}
runtime::builder& runtime::builder::max_blocking_threads(std::size_t n) & {
  if (n == 0) throw std::invalid_argument("edo::runtime::builder::max_blocking_threads: 0");
  cfg_->max_blocking_threads = n;
  return *this;
}
runtime::builder& runtime::builder::thread_keep_alive(std::chrono::nanoseconds d) & {
  cfg_->thread_keep_alive = d;
  return *this;
}
runtime::builder& runtime::builder::shutdown_timeout(std::chrono::nanoseconds d) & {
  cfg_->shutdown_timeout = d;
  return *this;
}
runtime::builder& runtime::builder::on_unhandled_exception(unhandled_exception_policy p) & {
  cfg_->unhandled = p == unhandled_exception_policy::report
                        ? detail::unhandled_policy::report
                        : detail::unhandled_policy::shutdown_runtime;
  return *this;
}

runtime::builder& runtime::builder::enable_task_tracking(bool on) & {
  cfg_->track_tasks = on;
  return *this;
}
runtime::builder& runtime::builder::warn_on_long_poll(std::chrono::nanoseconds d) & {
  cfg_->long_poll = d;
  return *this;
}
runtime::builder& runtime::builder::on_long_poll(std::function<void(const long_poll_report&)> f) & {
  cfg_->on_long_poll = std::move(f);
  return *this;
}
runtime::builder& runtime::builder::trace(std::string path) & {
  cfg_->trace_path = std::move(path);
  return *this;
}
runtime::builder& runtime::builder::console(std::string path) & {
  cfg_->console_path = std::move(path);
  return *this;
}

runtime runtime::builder::build() {
  if (cfg_ == nullptr) throw std::logic_error("edo::runtime::builder used after move");
  if (cfg_->start_paused && !cfg_->enable_time) {
    throw std::invalid_argument(
        "edo::runtime::builder: start_paused(true) needs the time driver (enable_time())");
  }
  detail::runtime_context* rt = nullptr;
  if (cfg_->multi_thread) {
    rt = new detail::multi_thread_runtime(*cfg_);
  } else {
    rt = new detail::current_thread_runtime(*cfg_);
  }
  return runtime(rt);
}

}  // namespace edo
