// edo::adapt — await a foreign awaitable (one that does not keep edo's wake contract) from
// an edo task.
//
//   co_await edo::adapt(some_library.async_thing());
//
// A foreign awaitable resumes the coroutine handle it is given, on whatever thread and
// whenever it likes. edo never lets it resume an edo coroutine directly: adapt hands it the
// handle of a small bridge coroutine whose only job is to wake the edo strand; the executor
// then resumes the strand on the task's own thread and calls the foreign await_resume().
//
// Cancellation: a foreign awaitable cannot be cancelled, so a cancelled strand waiting in
// adapt is torn down only once the foreign operation completes (a frame is never destroyed
// while something may still resume into it). If it never completes, the task never
// finishes; runtime shutdown reports it as leaked. Prefer writing an edo::leaf for event
// sources you control.
#pragma once

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include <edo/detail/awaitable.hpp>
#include <edo/detail/frame_alloc.hpp>
#include <edo/leaf.hpp>

namespace edo {
namespace detail {

// The bridge: resumed by the foreign awaitable, it wakes the edo strand and stops.
struct bridge {
  struct promise_type {
    leaf* target = nullptr;
    void (*wake)(leaf*) noexcept = nullptr;

    static void* operator new(std::size_t n) { return frame_alloc(n); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }
    bridge get_return_object() noexcept {
      return bridge{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct final_awaiter {
      bool await_ready() noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> self) noexcept {
        promise_type& p = self.promise();
        // Last touch of the frame: after the wake the strand may run and destroy it.
        p.wake(p.target);
      }
      void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

inline bridge make_bridge() {
  co_return;
}

template <class A>
class adapt_awaitable final : public leaf {
  using awaiter_t = std::remove_cvref_t<decltype(get_awaiter(std::declval<A>()))>;

 public:
  explicit adapt_awaitable(A&& a) : a_(std::forward<A>(a)), aw_(get_awaiter(std::forward<A>(a_))) {}
  adapt_awaitable(const adapt_awaitable&) = delete;
  adapt_awaitable& operator=(const adapt_awaitable&) = delete;
  ~adapt_awaitable() {
    if (bridge_) bridge_.destroy();
  }

  bool await_ready() { return aw_.await_ready() && consume_budget_or_later(); }

  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) {
    suspend(h);
    if (ready_now_) {  // ready, but the budget is spent: deliver at the next run
      complete_now();
      return std::noop_coroutine();
    }
    bridge_ = make_bridge().handle;
    bridge_.promise().target = this;
    bridge_.promise().wake = [](leaf* l) noexcept { l->wake(); };
    using R = decltype(aw_.await_suspend(bridge_));
    if constexpr (std::is_void_v<R>) {
      aw_.await_suspend(bridge_);
      return std::noop_coroutine();
    } else if constexpr (std::is_same_v<R, bool>) {
      if (!aw_.await_suspend(bridge_)) {
        // Completed synchronously: the bridge never ran; resume the strand at once.
        bridge_.destroy();
        bridge_ = nullptr;
        strand_->leaf_ = nullptr;
        return h;
      }
      return std::noop_coroutine();
    } else {
      return aw_.await_suspend(bridge_);  // may be the bridge itself: it wakes the strand
    }
  }

  decltype(auto) await_resume() { return aw_.await_resume(); }
  void describe(std::string& out) const override {
    out += "foreign awaitable (edo::adapt) ";
    leaf::describe(out);
  }

 private:
  bool consume_budget_or_later() {
    if (consume_budget()) return true;
    ready_now_ = true;
    return false;
  }
  bool cancel() noexcept override { return false; }  // foreign: wait for its completion

  A a_;
  awaiter_t aw_;
  std::coroutine_handle<bridge::promise_type> bridge_;
  bool ready_now_ = false;
};

}  // namespace detail

// Wraps a foreign awaitable so that an edo task can await it (see the file comment).
template <class A>
[[nodiscard]] auto adapt(A&& a) {
  return detail::adapt_awaitable<A>(std::forward<A>(a));
}

}  // namespace edo
