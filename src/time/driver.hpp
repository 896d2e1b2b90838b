// The time driver of a runtime: its clock, the tick epoch (1 ms ticks since the runtime
// started) and one timer queue per worker (plus one for threads that are not workers, such
// as the caller of a multi-thread runtime's block_on).
//
// The thread that parks with a timeout announces the tick it sleeps until
// (set_parked_until); arming an earlier timer on another thread then wakes it, so the
// kernel timeout is re-armed only when the earliest deadline moves earlier. Arming or
// cancelling otherwise makes no system call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "time/clock.hpp"
#include "time/queue.hpp"

namespace edo::detail {

class time_driver {
 public:
  using steady = std::chrono::steady_clock;
  using wake_fn = void (*)(void* ctx) noexcept;

  time_driver(bool start_paused, std::size_t queues);
  time_driver(const time_driver&) = delete;
  time_driver& operator=(const time_driver&) = delete;

  detail::clock& clock() noexcept { return clock_; }
  timer_queue& queue(std::size_t i) noexcept { return *queues_[i]; }
  std::size_t queue_count() const noexcept { return queues_.size(); }

  // Tick of a deadline, rounded up (a timer never fires early).
  std::uint64_t deadline_tick(steady::time_point t) const noexcept;
  // Current tick, rounded down.
  std::uint64_t now_tick() const noexcept;
  steady::time_point tick_time(std::uint64_t tick) const noexcept;

  // Earliest tick any queue needs processed; UINT64_MAX if no timer is pending.
  std::uint64_t next_tick() const noexcept;
  // Fires every timer due now, in every queue. Returns how many fired.
  std::size_t process() noexcept;
  std::size_t pending() const noexcept;

  // Parking protocol (see the file comment). `wake` is called (rarely) from arm() when a
  // timer earlier than the parked deadline is registered.
  void set_wake(wake_fn wake, void* ctx) noexcept {
    wake_ = wake;
    wake_ctx_ = ctx;
  }
  void set_parked_until(std::uint64_t tick) noexcept {
    parked_until_.store(tick, std::memory_order_seq_cst);
  }
  // Called by timer_queue::arm.
  void on_armed(std::uint64_t when) noexcept {
    // ordering: seq_cst pairs with set_parked_until: either the parker sees the new timer
    // when it computes its deadline, or we see its deadline here and wake it.
    if (when < parked_until_.load(std::memory_order_seq_cst) && wake_ != nullptr) {
      wake_(wake_ctx_);
    }
  }

 private:
  detail::clock clock_;
  steady::time_point epoch_;
  std::vector<std::unique_ptr<timer_queue>> queues_;
  std::atomic<std::uint64_t> parked_until_{UINT64_MAX};
  wake_fn wake_ = nullptr;
  void* wake_ctx_ = nullptr;
};

}  // namespace edo::detail
