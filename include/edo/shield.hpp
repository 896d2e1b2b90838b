// edo::shield — run a task to completion even if cancellation is requested meanwhile.
//
//   co_await edo::shield(flush_and_close(conn));   // clean-up that must not be cut short
//
// While the shielded task runs, cancellation requests (abort, a lost select, shutdown) are
// recorded but not acted on; the request takes effect at the first await after the shield
// returns. Branches started inside the shield (join, select) are shielded too.
// Use it for clean-up that must await: C++ forbids co_await inside a catch handler, and a
// torn-down strand runs destructors, not awaits.
#pragma once

#include <coroutine>
#include <utility>

#include <edo/detail/strand.hpp>
#include <edo/task.hpp>

namespace edo {
namespace detail {

template <class T>
class shield_awaitable {
 public:
  using edo_awaitable = void;
  explicit shield_awaitable(task<T> t) noexcept : h_(task_access::release(t)) {}
  shield_awaitable(shield_awaitable&& o) noexcept
      : h_(std::exchange(o.h_, nullptr)), started_(o.started_) {}
  shield_awaitable& operator=(shield_awaitable&&) = delete;
  ~shield_awaitable() {
    if (h_ && !started_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
    static_assert(std::is_base_of_v<promise_base, P>);
    strand_ = this_thread_context().current_strand;
    ++strand_->shield_;
    started_ = true;
    h_.promise().parent_ = &caller.promise();
    return h_;
  }
  T await_resume() {
    --strand_->shield_;
    struct destroy_on_exit {
      std::coroutine_handle<promise<T>> h;
      ~destroy_on_exit() { h.destroy(); }
    } guard{std::exchange(h_, nullptr)};
    return guard.h.promise().result_.take();
  }

 private:
  std::coroutine_handle<promise<T>> h_;
  strand* strand_ = nullptr;
  bool started_ = false;
};

}  // namespace detail

template <class T>
[[nodiscard]] detail::shield_awaitable<T> shield(task<T> t) {
  return detail::shield_awaitable<T>(std::move(t));
}

}  // namespace edo
