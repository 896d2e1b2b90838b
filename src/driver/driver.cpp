// The parkable drivers and the worker parker (see driver.hpp).
#include "driver/driver.hpp"

#include "core/futex.hpp"

namespace edo::detail {

using steady = std::chrono::steady_clock;

driver::driver(time_driver* time, io_driver* io) noexcept : time_(time), io_(io) {
  if (time_ != nullptr) time_->set_wake(&wake_from_timer, this);
}

void driver::wake_from_timer(void* self) noexcept {
  static_cast<driver*>(self)->unpark();
}

std::size_t driver::block(std::optional<std::chrono::nanoseconds> wait,
                          bool skip_unwatched_io) noexcept {
  if (io_ != nullptr) return io_->turn(wait, skip_unwatched_io);
  parker_.park(wait);
  return 0;
}

void driver::park(std::optional<std::chrono::nanoseconds> max_wait, bool auto_advance,
                  bool skip_unwatched_io) noexcept {
  if (time_ == nullptr) {
    block(max_wait, skip_unwatched_io);
    return;
  }
  time_->set_parked_until(0);  // announce first, then read (Dekker with on_armed)
  const std::uint64_t next = time_->next_tick();
  if (time_->clock().paused()) {
    time_->set_parked_until(UINT64_MAX);
    if (auto_advance && next != UINT64_MAX && (idle_check_ == nullptr || idle_check_(idle_ctx_))) {
      // With I/O, poll it first and advance only if no event woke anything (Tokio's rule):
      // ready I/O is work, and the clock jumps only when there is none.
      if (io_ == nullptr || io_->turn(std::chrono::nanoseconds::zero()) == 0) {
        time_->clock().advance_to(time_->tick_time(next));
      }
      if (time_->process() != 0 && idle_check_ != nullptr) {
        advance_work_.store(true, std::memory_order_seq_cst);
      }
      return;
    }
    block(max_wait, skip_unwatched_io);
    time_->process();
    return;
  }
  time_->set_parked_until(next);
  std::optional<std::chrono::nanoseconds> wait = max_wait;
  if (next != UINT64_MAX) {
    // The clock is steady_clock plus a fixed offset (non-zero after pause/resume).
    const auto wake_at = time_->tick_time(next) - (time_->clock().now() - steady::now());
    const auto until_timer = wake_at - steady::now();
    if (!wait || until_timer < *wait) wait = until_timer;
  }
  if (io_ != nullptr) {
    io_->turn(wait, skip_unwatched_io);  // a zero wait still polls the I/O
  } else if (!wait || wait->count() > 0) {
    parker_.park(wait);
  }
  time_->set_parked_until(UINT64_MAX);
  time_->process();
}

bool worker_parker::park(driver& d, bool auto_advance) noexcept {
  std::uint32_t s = notified;
  // ordering: acquire pairs with unpark()'s release exchange.
  if (state_.compare_exchange_strong(s, empty, std::memory_order_acquire)) return false;
  if (d.try_lock()) {
    s = empty;
    if (!state_.compare_exchange_strong(s, parked_driver, std::memory_order_acq_rel)) {
      state_.store(empty, std::memory_order_release);  // notified meanwhile
      d.unlock();
      return false;
    }
    d.park(std::nullopt, auto_advance);
    state_.exchange(empty, std::memory_order_acquire);
    d.unlock();
    return true;
  }
  s = empty;
  if (!state_.compare_exchange_strong(s, parked_futex, std::memory_order_acq_rel)) {
    state_.store(empty, std::memory_order_release);
    return false;
  }
  for (;;) {
    futex_wait(&state_, parked_futex, std::nullopt);
    s = notified;
    if (state_.compare_exchange_strong(s, empty, std::memory_order_acquire)) return false;
    // Spurious wake-up: still parked_futex; wait again.
  }
}

void worker_parker::poll(driver& d) noexcept {
  if (!d.try_lock()) return;
  d.park(std::chrono::nanoseconds::zero(), false);
  d.unlock();
}

void worker_parker::unpark(driver& d) noexcept {
  // ordering: release publishes the unparker's writes (a queued task) to park()'s acquire.
  switch (state_.exchange(notified, std::memory_order_acq_rel)) {
    case parked_futex:
      futex_wake(&state_);
      break;
    case parked_driver:
      d.unpark();
      break;
    default:
      break;
  }
}

}  // namespace edo::detail
