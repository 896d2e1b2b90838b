// Which workers are parked and which are searching for work (Tokio's idle.rs).
//
// `state_` packs the number of unparked workers (high bits) and of searching workers (low
// 16 bits). A new task wakes a parked worker only when nobody is searching (a searcher will
// find the task) and some worker is parked; at most half of the workers search at once, to
// bound contention on the queues they steal from. The last searcher to find work wakes
// another, so work discovered while searching is never stranded.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace edo::detail {

class idle {
 public:
  explicit idle(std::size_t workers);

  // A parked worker to wake for new work, if one should be woken (it is then counted as
  // unparked and searching).
  std::optional<std::size_t> worker_to_notify();
  // True if this was the last searching worker: it must check every queue once more.
  bool transition_worker_to_parked(std::size_t worker, bool searching);
  // False if too many workers are already searching.
  bool transition_worker_to_searching();
  // True if this was the last searching worker: it must wake another.
  bool transition_worker_from_searching();
  // Removes `worker` from the sleepers (it woke by itself). True if it was parked.
  bool unpark_worker_by_id(std::size_t worker);
  // Another thread gave `worker` work only it can run (a pinned task): takes it off the
  // sleepers counted as a notified worker — unparked and searching — since the worker,
  // finding itself off the sleepers when it wakes, starts out searching (as after
  // worker_to_notify). True if it was parked.
  bool notify_worker_by_id(std::size_t worker);
  bool is_parked(std::size_t worker);
  std::size_t num_unparked() const noexcept;
  std::size_t num_searching() const noexcept;

 private:
  static constexpr std::uint64_t unpark_shift = 16;
  static constexpr std::uint64_t search_mask = (std::uint64_t{1} << unpark_shift) - 1;
  bool notify_should_wakeup() noexcept;
  // Removes `worker` from the sleepers and adds `add` to state_, under mu_. True if it was
  // there.
  bool take_sleeper(std::size_t worker, std::uint64_t add);

  std::size_t workers_;
  std::atomic<std::uint64_t> state_;
  std::mutex mu_;
  std::vector<std::size_t> sleepers_;
};

}  // namespace edo::detail
