// Controlling the runtime's clock in tests: pause, advance, resume (Tokio's test-util).
//
//   auto rt = edo::runtime::builder::current_thread().enable_time().start_paused(true).build();
//   rt.block_on([]() -> edo::task<> {
//     auto t0 = edo::time::instant::now();
//     co_await edo::time::sleep(1h);                       // returns at once: auto-advance
//     assert(edo::time::instant::now() - t0 >= 1h);
//   }());
//
// While paused, time moves only by advance() or by auto-advance: a runtime with nothing to
// run jumps straight to its next timer (not while blocking-pool work is running), so
// tests of time are instant and deterministic. All of these act on the current runtime's
// clock and throw edo::no_runtime without one.
#pragma once

#include <chrono>
#include <coroutine>

#include <edo/detail/config.hpp>
#include <edo/leaf.hpp>

namespace edo::detail {
EDO_API void advance_clock(std::chrono::nanoseconds d);
}

namespace edo::time {

// Freezes the current runtime's clock.
EDO_API void pause();
// Lets the current runtime's clock run again (from where it stood).
EDO_API void resume();
// True if the current runtime's clock is paused.
EDO_API bool is_paused();

// co_await advance(d): moves the paused clock forward by `d`, fires the timers now due and
// lets the tasks they woke run before continuing (it yields once).
class advance_awaitable final : public leaf {
 public:
  explicit advance_awaitable(std::chrono::nanoseconds d) noexcept : d_(d) {}
  bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    detail::advance_clock(d_);
    suspend(h);
    complete_now();
  }
  void await_resume() const noexcept {}

 private:
  bool cancel() noexcept override { return false; }
  std::chrono::nanoseconds d_;
};

template <class Rep, class Period>
[[nodiscard]] advance_awaitable advance(std::chrono::duration<Rep, Period> d) {
  return advance_awaitable(std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

}  // namespace edo::time
