// The worker loop (see worker.hpp).
#include "scheduler/multi_thread/worker.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <edo/detail/context.hpp>
#include <edo/detail/executor.hpp>
#include <edo/detail/shuffle.hpp>

#include "scheduler/multi_thread/runtime.hpp"
#include "time/driver.hpp"

namespace edo::detail {

namespace {
constexpr int max_lifo_polls = 3;  // LIFO runs in a row before the queue gets a turn

// Set on a thread whose worker was handed to another thread by block_in_place.
constinit thread_local bool lost_worker = false;
}  // namespace

void pinned_scheduler::schedule(task_header* t) noexcept {
  if (tls.worker == static_cast<worker_tag*>(&w_)) {
    w_.push_pinned_local(t);
  } else {
    w_.push_pinned_remote(t);
  }
}

void pinned_scheduler::release(task_header* t) noexcept {
  w_.pinned_finished();
  w_.owner().release(t);
}

void pinned_scheduler::unhandled_exception(task_header* t, std::exception_ptr e) noexcept {
  w_.owner().unhandled_exception(t, e);
}

void worker::push_pinned_remote(task_header* t) {
  {
    std::lock_guard lock(pinned_mu_);
    pinned_remote_.push(t);
    pinned_remote_len_.store(pinned_remote_.size(), std::memory_order_release);
  }
  // Only this worker can run it: wake it wherever it is (a token is kept if it is awake).
  // Taken off the sleepers here, it counts as a notified worker (searching): when it wakes
  // it finds itself unparked and believes so. Counted as merely unparked, its end of
  // searching took one from a count never raised, and no worker was notified again.
  owner_.idle_state().notify_worker_by_id(index_);
  parker_.unpark(owner_.shared_driver());
}

void worker::take_pinned_remote() noexcept {
  if (pinned_remote_len_.load(std::memory_order_acquire) == 0) return;
  std::lock_guard lock(pinned_mu_);
  while (task_header* t = pinned_remote_.pop()) pinned_local_.push(t);
  pinned_remote_len_.store(0, std::memory_order_release);
}

bool worker::has_pinned_work() const noexcept {
  return !pinned_local_.empty() || pinned_remote_len_.load(std::memory_order_acquire) != 0;
}

void worker::hand_off() noexcept {
  lost_worker = true;
  tls.worker = nullptr;  // from now on this thread schedules like a foreign thread
}

worker::worker(multi_thread_runtime& owner, std::size_t index, timer_queue* timers) noexcept
    : owner_(owner),
      index_(index),
      timers_(timers),
      rand_(static_cast<std::uint32_t>(0x9E3779B9u * (index + 1))) {
  rt = &owner;
}

std::uint32_t worker::next_rand() noexcept {
  rand_ ^= rand_ << 13;
  rand_ ^= rand_ >> 17;
  rand_ ^= rand_ << 5;
  return rand_;
}

void worker::run() {
  runtime_enter enter(&owner_, static_cast<worker_tag*>(this));
  if (owner_.config().on_thread_start) owner_.config().on_thread_start();
  if (observer* obs = owner_.obs()) {
    obs->on_thread_start((owner_.config().thread_name + "-" + std::to_string(index_)).c_str());
  }
  while (!owner_.is_shutdown()) {
    ++tick_;
    maintenance();
    task_header* t = next_task();
    if (t == nullptr) t = steal_work();
    if (t == nullptr) {
      park();
      continue;
    }
    if (!run_task(t)) {
      // block_in_place handed this worker to another thread; this one ends here.
      lost_worker = false;
      break;
    }
  }
  if (owner_.config().on_thread_stop) owner_.config().on_thread_stop();
}

void worker::maintenance() noexcept {
  if (tick_ % owner_.config().event_interval != 0) return;
  // Work re-queued by yields and wakes during runs can be stolen: let an idle worker know.
  if (queue_.len() > 1) owner_.notify_parked();
  // Timers due in any queue, and the I/O driver if nobody is parked in it.
  if (time_driver* td = owner_.time()) td->process();
  parker_.poll(owner_.shared_driver());
}

task_header* worker::next_task() noexcept {
  if (tick_ % owner_.config().global_queue_interval == 0 || shuffle_coin()) {
    if (task_header* t = owner_.inject().pop()) return t;
  }
  if (lifo_ != nullptr) return std::exchange(lifo_, nullptr);
  take_pinned_remote();
  // Pinned tasks alternate with the stealable queue.
  if (!pinned_local_.empty() && ((tick_ & 1) != 0 || queue_.is_empty())) return pinned_local_.pop();
  if (task_header* t = queue_.pop()) return t;
  if (task_header* t = pinned_local_.pop()) return t;
  return pull_inject();
}

// The local queue is empty: take this worker's share of the inject queue in one lock (as
// Tokio's next_task does), run the first and keep the rest local, where other workers can
// steal them. One lock per task made a flood of overflowed spawns (timers mt) contend.
task_header* worker::pull_inject() noexcept {
  const std::size_t len = owner_.inject().len();
  if (len == 0) return nullptr;
  constexpr std::uint32_t max_batch = local_queue::capacity / 2;
  const std::size_t share = len / owner_.num_workers() + 1;
  const std::size_t n =
      std::min<std::size_t>({share, std::size_t{queue_.remaining_slots()} + 1, max_batch});
  task_header* batch[max_batch];
  const std::size_t got = owner_.inject().pop_n(batch, n);
  if (got == 0) return nullptr;
  if (got > 1) queue_.push_batch(batch + 1, static_cast<std::uint32_t>(got - 1));
  return batch[0];
}

task_header* worker::steal_work() noexcept {
  if (!searching_) searching_ = owner_.idle_state().transition_worker_to_searching();
  if (!searching_) return nullptr;
  const std::size_t n = owner_.num_workers();
  const std::size_t start = (shuffle_enabled() ? shuffle_next() : next_rand()) % n;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t victim = (start + i) % n;
    if (victim == index_) continue;
    std::uint32_t stolen = 0;
    if (task_header* t = owner_.worker_at(victim).queue().steal_into(queue_, stolen)) {
      worker_counters::bump(counters_.steal_count, stolen);
      worker_counters::bump(counters_.steal_operations);
      return t;
    }
  }
  return pull_inject();
}

void worker::transition_from_searching() noexcept {
  if (!searching_) return;
  searching_ = false;
  // The last searcher found work: wake another so the rest is not stranded.
  if (owner_.idle_state().transition_worker_from_searching()) owner_.notify_parked();
}

bool worker::run_one(task_header* t) noexcept {
  worker_counters::bump(counters_.poll_count);
  run_result r;
  if (observer* obs = owner_.obs(); EDO_UNLIKELY(obs != nullptr)) {
    const observer::run_token tok = obs->run_begin(index_, t);
    r = detail::run_task(t);
    obs->run_end(index_, tok);
  } else {
    r = detail::run_task(t);
  }
  if (lost_worker) {
    // The worker belongs to another thread now: touch none of its state.
    if (r == run_result::notified || r == run_result::yielded) {
      owner_.inject().push(t);
      owner_.notify_parked();
    }
    return false;
  }
  switch (r) {
    case run_result::notified:
    case run_result::yielded:
      if (t->sched_ == &pinned_sched_) {
        pinned_local_.push(t);
        break;
      }
      // No wake-up of an idle worker here (a fence per yield: a third of a yield-heavy
      // run): maintenance does it, every event_interval runs, if work can be stolen.
      if (queue_.push_back(t, owner_.inject())) worker_counters::bump(counters_.overflow_count);
      break;
    case run_result::idle:
    case run_result::complete:
      break;
  }
  return true;
}

bool worker::run_task(task_header* t) noexcept {
  transition_from_searching();
  tls.budget = budget_per_run;
  if (!run_one(t)) return false;
  // Then the tasks it woke, newest first, sharing the budget.
  for (int i = 0; i < max_lifo_polls && lifo_ != nullptr; ++i) {
    task_header* next = std::exchange(lifo_, nullptr);
    if (tls.budget == 0) {
      if (queue_.push_back(next, owner_.inject())) worker_counters::bump(counters_.overflow_count);
      break;
    }
    if (!run_one(next)) return false;
  }
  if (lifo_ != nullptr && queue_.has_tasks()) owner_.notify_parked();
  return true;
}

void worker::schedule_local(task_header* t, bool is_yield) noexcept {
  worker_counters::bump(counters_.local_schedule_count);
  bool notify;
  if (is_yield) {
    if (queue_.push_back(t, owner_.inject())) worker_counters::bump(counters_.overflow_count);
    notify = true;
  } else if (shuffle_coin()) {
    if (queue_.push_back(t, owner_.inject())) worker_counters::bump(counters_.overflow_count);
    notify = true;
  } else {
    task_header* prev = std::exchange(lifo_, t);
    notify = prev != nullptr;
    if (prev != nullptr && queue_.push_back(prev, owner_.inject())) {
      worker_counters::bump(counters_.overflow_count);
    }
  }
  // Wakes made while the driver fires are batched: park() notifies once afterwards.
  if (notify && !in_park_) owner_.notify_parked();
}

bool worker::transition_to_parked() noexcept {
  if (lifo_ != nullptr || queue_.has_tasks() || has_pinned_work()) return false;
  const bool last_searcher = owner_.idle_state().transition_worker_to_parked(index_, searching_);
  searching_ = false;
  if (last_searcher) owner_.notify_if_work_pending();
  return true;
}

bool worker::transition_from_parked() noexcept {
  if (lifo_ != nullptr || queue_.has_tasks() || has_pinned_work()) {
    // Woken by its own driver (timers): it has work without having been notified.
    searching_ = !owner_.idle_state().unpark_worker_by_id(index_);
    return true;
  }
  if (owner_.idle_state().is_parked(index_)) return false;
  searching_ = true;  // notified: start out searching
  return true;
}

bool worker::spin_for_work() noexcept {
  const auto budget = owner_.spin_duration();
  if (budget.count() == 0 || !owner_.try_begin_spin()) return false;
  // One spinner at a time: a second one would only take CPU from the threads that produce
  // the work (PLATFORM.md: spinning while the other CPU is busy costs 43 us).
  const auto until = std::chrono::steady_clock::now() + budget;
  bool found = false;
  for (std::uint32_t i = 1; !found; ++i) {
    found = !owner_.inject().empty() || has_pinned_work();
    for (std::size_t w = 0; w < owner_.num_workers() && !found; ++w) {
      found = w != index_ && !owner_.worker_at(w).queue().is_empty();
    }
    if (found) break;
    __builtin_ia32_pause();
    if ((i & 63) == 0 && std::chrono::steady_clock::now() >= until) break;
  }
  owner_.end_spin();
  return found;
}

void worker::park() noexcept {
  // A short spin first: waking a parked thread costs ~25 us here, a spin ~0.5 us
  // (PLATFORM.md). While spinning this worker still counts as unparked, so new work does
  // not pay for a futex wake; it is found by the steal on the next loop iteration.
  if (spin_for_work()) return;
  if (!transition_to_parked()) return;
  owner_.poke_driver_if_idle();
  // Busy time is counted from wake-up to park (a clock read per park, not per task run).
  worker_counters::bump(counters_.busy_ns, static_cast<std::uint64_t>(
                                               std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                   std::chrono::steady_clock::now() - busy_since_)
                                                   .count()));
  while (!owner_.is_shutdown()) {
    worker_counters::bump(counters_.park_count);
    in_park_ = true;
    const bool held_driver = parker_.park(owner_.shared_driver(), owner_.may_auto_advance());
    in_park_ = false;
    const bool woken = transition_from_parked();
    // Timers an auto-advance fired are now counted: queued here with this worker unparked,
    // or handed to a worker that was unparked for them. The clock may jump again once the
    // runtime is idle (driver::advance_work_pending).
    if (held_driver) owner_.shared_driver().clear_advance_work();
    if (woken) break;
    worker_counters::bump(counters_.noop_count);
  }
  busy_since_ = std::chrono::steady_clock::now();
  if (queue_.has_tasks() && !searching_) owner_.notify_parked();
}

}  // namespace edo::detail
