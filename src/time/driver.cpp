// Time driver and timer queues (see driver.hpp, queue.hpp).
#include "time/driver.hpp"

#include <edo/detail/strand.hpp>

namespace edo::detail {

// ---- timer_queue ----

void timer_queue::update_next_locked() noexcept {
  const auto exp = wheel_.next_expiration();
  // ordering: seq_cst: Dekker with the parker (set_parked_until, then next_tick()).
  next_.store(exp ? exp->deadline : UINT64_MAX, std::memory_order_seq_cst);
}

bool timer_queue::arm(timer_entry& e, std::uint64_t when) noexcept {
  bool earliest = false;
  {
    std::lock_guard lock(mu_);
    if (when <= wheel_.elapsed()) return false;
    e.when_ = when < timer_entry::max_when ? when : timer_entry::max_when;
    e.queue_ = this;
    e.state_ = timer_state::registered;
    wheel_.insert(&e);
    if (when < next_.load(std::memory_order_relaxed)) {
      update_next_locked();
      earliest = true;
    }
  }
  if (earliest) driver_.on_armed(when);
  return true;
}

bool timer_queue::cancel(timer_entry& e) noexcept {
  std::lock_guard lock(mu_);
  if (e.state_ != timer_state::registered) return false;
  wheel_.remove(&e);
  e.state_ = timer_state::idle;
  update_next_locked();
  return true;
}

std::size_t timer_queue::process(std::uint64_t now) noexcept {
  if (next_.load(std::memory_order_acquire) > now) return 0;
  timer_entry* fired = nullptr;
  {
    std::lock_guard lock(mu_);
    wheel_.advance(now, fired);
    for (timer_entry* e = fired; e != nullptr; e = e->next_) e->state_ = timer_state::fired;
    update_next_locked();
  }
  std::size_t n = 0;
  while (fired != nullptr) {
    timer_entry* next = fired->next_;
    strand* target = fired->target_;
    wake_strand(target);  // the entry may be gone after this
    fired = next;
    ++n;
  }
  return n;
}

std::size_t timer_queue::size() const noexcept {
  std::lock_guard lock(mu_);
  return wheel_.size();
}

// ---- time_driver ----

time_driver::time_driver(bool start_paused, std::size_t queues)
    : clock_(start_paused), epoch_(clock_.now()) {
  queues_.reserve(queues);
  for (std::size_t i = 0; i < queues; ++i) queues_.push_back(std::make_unique<timer_queue>(*this));
}

std::uint64_t time_driver::deadline_tick(steady::time_point t) const noexcept {
  if (t <= epoch_) return 0;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t - epoch_).count();
  return static_cast<std::uint64_t>((ns + 999'999) / 1'000'000);
}

std::uint64_t time_driver::now_tick() const noexcept {
  const auto t = clock_.now();
  if (t <= epoch_) return 0;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(t - epoch_).count());
}

time_driver::steady::time_point time_driver::tick_time(std::uint64_t tick) const noexcept {
  return epoch_ + std::chrono::milliseconds(tick);
}

std::uint64_t time_driver::next_tick() const noexcept {
  std::uint64_t best = UINT64_MAX;
  for (const auto& q : queues_) {
    const std::uint64_t t = q->next_tick();
    if (t < best) best = t;
  }
  return best;
}

std::size_t time_driver::process() noexcept {
  const std::uint64_t now = now_tick();
  std::size_t n = 0;
  for (const auto& q : queues_) n += q->process(now);
  return n;
}

std::size_t time_driver::pending() const noexcept {
  std::size_t n = 0;
  for (const auto& q : queues_) n += q->size();
  return n;
}

}  // namespace edo::detail
