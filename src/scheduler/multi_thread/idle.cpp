// Parked and searching workers (see idle.hpp). Every state_ access is seq_cst, as in
// Tokio: the load in notify_should_wakeup must be ordered with the decrement of the last
// searcher, whichever thread sees the other.
#include "scheduler/multi_thread/idle.hpp"

#include <algorithm>

namespace edo::detail {

idle::idle(std::size_t workers) : workers_(workers), state_(workers << unpark_shift) {
  sleepers_.reserve(workers);
}

bool idle::notify_should_wakeup() noexcept {
  const std::uint64_t s = state_.fetch_add(0, std::memory_order_seq_cst);
  return (s & search_mask) == 0 && (s >> unpark_shift) < workers_;
}

std::optional<std::size_t> idle::worker_to_notify() {
  // The common case — every worker busy, or one searching — is decided by a load of a
  // line that stays shared while nobody parks. Tokio's fetch_add(0) makes the line bounce
  // between the workers on every push (73% of a yield-heavy run here). The seq_cst fence
  // keeps the Dekker with a parking worker: it decrements state_ (seq_cst RMW) and then
  // re-checks the queues with seq_cst loads (notify_if_work_pending); either it sees our
  // task or we see it parked.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const std::uint64_t peek = state_.load(std::memory_order_relaxed);
  if ((peek & search_mask) != 0 || (peek >> unpark_shift) >= workers_) return std::nullopt;
  if (!notify_should_wakeup()) return std::nullopt;
  std::lock_guard lock(mu_);
  if (!notify_should_wakeup() || sleepers_.empty()) return std::nullopt;
  // One more unparked worker, and it starts out searching.
  state_.fetch_add((std::uint64_t{1} << unpark_shift) | 1, std::memory_order_seq_cst);
  const std::size_t w = sleepers_.back();
  sleepers_.pop_back();
  return w;
}

bool idle::transition_worker_to_parked(std::size_t worker, bool searching) {
  std::lock_guard lock(mu_);
  std::uint64_t dec = std::uint64_t{1} << unpark_shift;
  if (searching) dec += 1;
  const std::uint64_t prev = state_.fetch_sub(dec, std::memory_order_seq_cst);
  sleepers_.push_back(worker);
  return searching && (prev & search_mask) == 1;
}

bool idle::transition_worker_to_searching() {
  const std::uint64_t s = state_.load(std::memory_order_seq_cst);
  if (2 * (s & search_mask) >= workers_) return false;
  // More than half may slip through; limiting searchers only reduces contention.
  state_.fetch_add(1, std::memory_order_seq_cst);
  return true;
}

bool idle::transition_worker_from_searching() {
  const std::uint64_t prev = state_.fetch_sub(1, std::memory_order_seq_cst);
  return (prev & search_mask) == 1;
}

bool idle::take_sleeper(std::size_t worker, std::uint64_t add) {
  std::lock_guard lock(mu_);
  auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
  if (it == sleepers_.end()) return false;
  *it = sleepers_.back();
  sleepers_.pop_back();
  state_.fetch_add(add, std::memory_order_seq_cst);
  return true;
}

bool idle::unpark_worker_by_id(std::size_t worker) {
  return take_sleeper(worker, std::uint64_t{1} << unpark_shift);
}

bool idle::notify_worker_by_id(std::size_t worker) {
  return take_sleeper(worker, (std::uint64_t{1} << unpark_shift) | 1);
}

bool idle::is_parked(std::size_t worker) {
  std::lock_guard lock(mu_);
  return std::find(sleepers_.begin(), sleepers_.end(), worker) != sleepers_.end();
}

std::size_t idle::num_unparked() const noexcept {
  return static_cast<std::size_t>(state_.load(std::memory_order_seq_cst) >> unpark_shift);
}

std::size_t idle::num_searching() const noexcept {
  return static_cast<std::size_t>(state_.load(std::memory_order_seq_cst) & search_mask);
}

}  // namespace edo::detail
