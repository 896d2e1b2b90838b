// edo::unconstrained — run a task without the co-operative budget (Tokio's
// task::unconstrained).
//
// Normally a task may complete at most 128 ready operations per run before its next ready
// operation yields to the scheduler (so a loop over an always-ready channel cannot starve
// the other tasks of its worker). Inside unconstrained(t) that limit does not apply. Use it
// only for short bursts that must not be interleaved; it lets `t` monopolise its worker.
#pragma once

#include <coroutine>
#include <utility>

#include <edo/detail/strand.hpp>
#include <edo/task.hpp>

namespace edo {
namespace detail {

template <class T>
class unconstrained_awaitable {
 public:
  using edo_awaitable = void;
  explicit unconstrained_awaitable(task<T> t) noexcept : h_(task_access::release(t)) {}
  unconstrained_awaitable(unconstrained_awaitable&& o) noexcept
      : h_(std::exchange(o.h_, nullptr)) {}
  unconstrained_awaitable& operator=(unconstrained_awaitable&&) = delete;
  ~unconstrained_awaitable() {
    if (h_ && !started_) h_.destroy();
  }

  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
    strand_ = this_thread_context().current_strand;
    ++strand_->unconstrained_;
    saved_ = this_thread_context().budget;
    this_thread_context().budget = budget_unlimited;
    started_ = true;
    h_.promise().parent_ = &caller.promise();
    return h_;
  }
  T await_resume() {
    --strand_->unconstrained_;
    // Within the same run, give back what was left; after a suspension the executor has
    // reset the budget for this run and this restores an older, smaller-or-equal value.
    this_thread_context().budget = saved_;
    struct destroy_on_exit {
      std::coroutine_handle<promise<T>> h;
      ~destroy_on_exit() { h.destroy(); }
    } guard{std::exchange(h_, nullptr)};
    return guard.h.promise().result_.take();
  }

 private:
  std::coroutine_handle<promise<T>> h_;
  strand* strand_ = nullptr;
  std::int32_t saved_ = budget_unlimited;
  bool started_ = false;
};

}  // namespace detail

template <class T>
[[nodiscard]] detail::unconstrained_awaitable<T> unconstrained(task<T> t) {
  return detail::unconstrained_awaitable<T>(std::move(t));
}

}  // namespace edo
