// edo::time::sleep / sleep_until — wait until a deadline on the runtime's clock.
//
//   co_await edo::time::sleep(150ms);
//   auto s = edo::time::sleep_until(deadline);  // a named sleep can be awaited again,
//   co_await s;                                 // reset(), and used as a select branch
//
// Needs a runtime with time enabled: constructing a sleep elsewhere (edo::block_on, a
// plain thread) throws edo::no_runtime. Inserting or cancelling the timer makes no system
// call. The deadline is rounded up to the wheel's 1 ms resolution.
//
// Cancellation safety: cancel safe; a cancelled sleep unregisters its timer.
#pragma once

#include <chrono>
#include <coroutine>
#include <string>

#include <edo/detail/runtime_api.hpp>
#include <edo/detail/timer_entry.hpp>
#include <edo/leaf.hpp>
#include <edo/time/instant.hpp>

namespace edo::time {

class sleep_awaitable final : public leaf {
 public:
  explicit sleep_awaitable(instant deadline)
      : entry_(&detail::current_timer_queue("edo::time::sleep")), deadline_(deadline) {}
  sleep_awaitable(const sleep_awaitable& o) : leaf(), entry_(o.entry_), deadline_(o.deadline_) {}
  sleep_awaitable& operator=(const sleep_awaitable&) = delete;

  instant deadline() const noexcept { return deadline_; }
  bool is_elapsed() const noexcept { return instant::now() >= deadline_; }
  // Moves the deadline (not while a co_await of this sleep is pending).
  void reset(instant deadline) noexcept { deadline_ = deadline; }

  bool await_ready() noexcept {
    if (instant::now() < deadline_) return false;
    if (consume_budget()) return true;
    entry_.state_ = detail::timer_state::deferred;  // ready, but the budget is spent
    return false;
  }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    if (entry_.state_ == detail::timer_state::deferred) {
      entry_.state_ = detail::timer_state::idle;
      complete_now();
      return;
    }
    entry_.target_ = strand_;
    if (!detail::timer_arm(*entry_.queue_, entry_, deadline_.time_point())) wake();
  }
  void await_resume() const noexcept {}

  void describe(std::string& out) const override {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - instant::now());
    out += "edo::time::sleep (" + std::to_string(left.count()) + " ms left)";
  }

 private:
  bool cancel() noexcept override { return detail::timer_cancel(entry_); }

  detail::timer_entry entry_;
  instant deadline_;
};
static_assert(sizeof(sleep_awaitable) == 64, "a sleep is 64 bytes of its coroutine frame");

// Completes at `deadline`.
[[nodiscard]] inline sleep_awaitable sleep_until(instant deadline) {
  return sleep_awaitable(deadline);
}

// Completes after `d` (from now).
template <class Rep, class Period>
[[nodiscard]] sleep_awaitable sleep(std::chrono::duration<Rep, Period> d) {
  return sleep_awaitable(instant::now() + d);
}

}  // namespace edo::time
