// runtime_context (see context.hpp) and the runtime API used by edo's public templates.
#include "runtime/context.hpp"

#include <cstdio>
#include <mutex>
#include <new>
#include <vector>

#include <edo/blocking.hpp>
#include <edo/detail/context.hpp>
#include <edo/error.hpp>

#include "io/driver.hpp"
#include "runtime/worker_tag.hpp"

namespace edo::detail {

runtime_context::runtime_context(runtime_config cfg)
    : config_(std::move(cfg)),
      blocking_(std::make_unique<blocking_pool>(*this, config_.max_blocking_threads,
                                                config_.thread_keep_alive)) {}

bool runtime_context::stop_blocking(std::chrono::steady_clock::time_point deadline) noexcept {
  const bool ok = blocking_->shutdown(deadline);
  if (observer_) observer_->stop();  // the stall detector, and the trace is written
  if (ok) return true;
  // A detached blocking thread still uses the pool: keep everything alive.
  leaked_ = true;
  static std::mutex mu;
  static std::vector<runtime_context*>* stuck = new std::vector<runtime_context*>;
  std::lock_guard lock(mu);
  stuck->push_back(this);
  return false;
}

runtime_context::~runtime_context() {
  if (io_ != nullptr) {
    // Resources that outlive the runtime keep the driver alive; their waits now fail.
    io_->shutdown();
    io_->unref();
  }
}

io_driver* runtime_context::make_io_driver() {
  if (!config_.enable_io) return nullptr;
  io_ = io_driver::create();
  return io_;
}

void runtime_context::init_observer(std::size_t slots) {
  observer_config o = observer_config_from(config_);
  if (!o.any()) return;
  config_.track_tasks = o.track_tasks;
  observer_ = std::make_unique<observer>(*this, std::move(o), slots);
  blocking_->set_observer(observer_.get());
}

runtime_metrics runtime_context::metrics() {
  runtime_metrics m;
  m.num_alive_tasks = owned_.size();
  m.num_blocking_threads = blocking_->num_threads();
  m.num_idle_blocking_threads = blocking_->num_idle_threads();
  m.blocking_queue_depth = blocking_->queue_depth();
  fill_metrics(m);
  return m;
}

void runtime_context::unref() noexcept {
  // ordering: acq_rel so the last owner sees every other owner's writes before deleting.
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1 && !leaked_) delete this;
}

void runtime_context::leak_remaining() noexcept {
  const std::vector<task_header*> alive = owned_.snapshot();
  if (alive.empty()) return;
  std::fprintf(stderr,
               "edo: runtime shutdown timed out; leaking %zu task(s) that did not finish "
               "(they are never destroyed while a registration may complete into them):\n",
               alive.size());
  std::size_t shown = 0;
  for (task_header* t : alive) {
    if (++shown > 32) {
      std::fprintf(stderr, "edo:   ... and %zu more\n", alive.size() - 32);
      break;
    }
    std::fprintf(stderr, "edo:   task %llu%s%s%s\n", static_cast<unsigned long long>(t->id_),
                 t->name() ? " [" : "", t->name() ? t->name() : "", t->name() ? "]" : "");
  }
  leaked_ = true;
  // Keep the context reachable (and alive) for the rest of the process.
  static std::mutex mu;
  static std::vector<runtime_context*>* leaked = new std::vector<runtime_context*>;
  std::lock_guard lock(mu);
  leaked->push_back(this);
}

runtime_enter::runtime_enter(runtime_context* rt, void* worker) noexcept
    : prev_rt_(tls.runtime), prev_worker_(tls.worker) {
  tls.runtime = rt;
  tls.worker = worker;
}

runtime_enter::~runtime_enter() {
  tls.runtime = prev_rt_;
  tls.worker = prev_worker_;
}

// ---- runtime_api.hpp ----

runtime_context& current_runtime(const char* what) {
  runtime_context* rt = tls.runtime;
  if (rt == nullptr) {
    throw no_runtime(std::string(what) +
                     ": there is no runtime running; call it from a task running on an "
                     "edo::runtime (edo::runtime::block_on, EDO_MAIN, edo::run) or enter "
                     "one with runtime_handle::enter(). edo::block_on drives no runtime.");
  }
  return *rt;
}

scheduler* spawn_scheduler(runtime_context& rt, bool local) {
  return rt.task_scheduler(local);
}

std::uint64_t next_task_id(runtime_context& rt) noexcept {
  // Ids come in blocks of 1024 per thread: one shared atomic per block, not per spawn.
  // (Unique for the runtime's lifetime; not ordered across threads.)
  struct id_block {
    const runtime_context* rt = nullptr;
    std::uint64_t next = 0;
    std::uint64_t end = 0;
  };
  constinit thread_local id_block block;
  if (block.rt != &rt || block.next == block.end) {
    block.rt = &rt;
    block.next = rt.next_ids(1024);
    block.end = block.next + 1024;
  }
  return block.next++;
}

namespace {

// Out of memory here costs the task its name and statistics, never the task itself (the
// cell already holds the handle's and the queue's references: throwing would leak it).
EDO_NOINLINE void init_task_extra(task_header* t, const char* name) noexcept {
  auto* e = new (std::nothrow) task_extra;
  if (e == nullptr) return;
  if (name != nullptr) {
    try {
      e->name = name;
    } catch (const std::bad_alloc&) {
      delete e;
      return;
    }
  }
  t->extra_ = e;
}

}  // namespace

void submit_task(runtime_context& rt, task_header* t, std::source_location loc,
                 const char* name) noexcept {
  t->loc_ = loc;
  if (EDO_UNLIKELY(name != nullptr || rt.config().track_tasks)) init_task_extra(t, name);
  if (!rt.owned().insert(t)) {
    complete_unstarted(t);  // shutting down: spawn returns a cancelled handle
    return;
  }
  if (EDO_UNLIKELY(rt.obs() != nullptr)) rt.obs()->on_spawn(t);
  rt.submit(t);
}

scheduler* blocking_scheduler(runtime_context& rt) {
  return &rt.blocking();
}

void submit_blocking(runtime_context& rt, task_header* t) noexcept {
  if (!rt.blocking().spawn(t)) complete_unstarted(t);  // shutting down: a cancelled handle
}

void block_in_place_begin() {
  run_end_actions();  // f may block for long: nothing the run left may wait for it
  auto* tag = static_cast<worker_tag*>(tls.worker);
  if (tag == nullptr) return;  // not on a worker: just run it here
  tag->rt->block_in_place(tag);
}

void require_time(const char* what) {
  runtime_context* rt = tls.runtime;
  if (rt == nullptr || rt->time() == nullptr) (void)current_timer_queue(what);  // throws
}

timer_queue& current_timer_queue(const char* what) {
  runtime_context* rt = tls.runtime;
  if (rt == nullptr || rt->time() == nullptr) {
    throw no_runtime(
        std::string(what) +
        (rt == nullptr
             ? ": there is no timer running; call it from a task running on an edo::runtime "
               "with time enabled (builder .enable_time() or .enable_all(); EDO_MAIN and "
               "edo::run enable it). edo::block_on drives no timers."
             : ": the runtime was built without a time driver; enable it with .enable_time() "
               "or .enable_all() on its builder."));
  }
  return rt->timer_queue_for_this_thread();
}

}  // namespace edo::detail
