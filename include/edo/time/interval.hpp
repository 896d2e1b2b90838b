// edo::time::interval — ticks at a fixed period (Tokio's Interval).
//
//   edo::time::interval iv(100ms);
//   for (;;) { co_await iv.tick(); refresh(); }   // the first tick completes at once
//
// When a tick is late (the task was busy), missed_tick_behavior decides what follows:
//   burst (default)  the missed ticks fire back to back until the schedule is caught up;
//   delay            the next tick is one period after the late one;
//   skip             the missed ticks are skipped; the next is on the original schedule.
//
// Cancellation safety: tick() is cancel safe: a cancelled tick consumes nothing.
#pragma once

#include <chrono>
#include <coroutine>
#include <stdexcept>
#include <string>

#include <edo/detail/runtime_api.hpp>
#include <edo/detail/timer_entry.hpp>
#include <edo/leaf.hpp>
#include <edo/time/instant.hpp>

namespace edo::time {

enum class missed_tick_behavior { burst, delay, skip };

class interval {
 public:
  // First tick now.
  explicit interval(duration period) : interval(instant::now(), period) {}
  // First tick at `start`.
  interval(instant start, duration period)
      : entry_(&detail::current_timer_queue("edo::time::interval")), next_(start), period_(period) {
    if (period.count() <= 0) throw std::invalid_argument("edo::time::interval: period must be > 0");
  }
  interval(const interval&) = delete;
  interval& operator=(const interval&) = delete;

  duration period() const noexcept { return period_; }
  missed_tick_behavior behavior() const noexcept { return behavior_; }
  void set_missed_tick_behavior(missed_tick_behavior b) noexcept { behavior_ = b; }
  // The next tick is one period from now.
  void reset() noexcept { next_ = instant::now() + period_; }
  // The next tick is now.
  void reset_immediately() noexcept { next_ = instant::now(); }
  void reset_at(instant t) noexcept { next_ = t; }

  class tick_awaitable final : public leaf {
   public:
    explicit tick_awaitable(interval& iv) noexcept : iv_(&iv) {}
    bool await_ready() noexcept {
      if (instant::now() < iv_->next_) return false;
      if (consume_budget()) return true;
      ready_now_ = true;
      return false;
    }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) noexcept {
      suspend(h);
      if (ready_now_) {
        ready_now_ = false;
        complete_now();
        return;
      }
      iv_->entry_.target_ = strand_;
      if (!detail::timer_arm(*iv_->entry_.queue_, iv_->entry_, iv_->next_.time_point())) wake();
    }
    // The tick's scheduled time.
    instant await_resume() noexcept { return iv_->advance(); }
    void describe(std::string& out) const override {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(iv_->next_ - instant::now());
      out += "edo::time::interval tick (" + std::to_string(left.count()) + " ms left)";
    }

   private:
    bool cancel() noexcept override { return detail::timer_cancel(iv_->entry_); }
    interval* iv_;
    bool ready_now_ = false;
  };

  // Completes at the next tick; returns the tick's scheduled instant.
  [[nodiscard]] tick_awaitable tick() noexcept { return tick_awaitable(*this); }

 private:
  instant advance() noexcept {
    const instant tick = next_;
    const instant now = instant::now();
    // Late by more than 5 ms (Tokio's tolerance): apply the missed-tick behaviour.
    if (now > tick + std::chrono::milliseconds(5)) {
      switch (behavior_) {
        case missed_tick_behavior::burst:
          next_ = tick + period_;
          break;
        case missed_tick_behavior::delay:
          next_ = now + period_;
          break;
        case missed_tick_behavior::skip:
          next_ = now + (period_ - (now - tick) % period_);
          break;
      }
    } else {
      next_ = tick + period_;
    }
    return tick;
  }

  detail::timer_entry entry_;
  instant next_;
  duration period_;
  missed_tick_behavior behavior_ = missed_tick_behavior::burst;
};

// An interval whose first tick is at `start`.
template <class Rep, class Period>
[[nodiscard]] interval interval_at(instant start, std::chrono::duration<Rep, Period> period) {
  return interval(start, std::chrono::duration_cast<duration>(period));
}

}  // namespace edo::time
