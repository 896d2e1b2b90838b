// edo::task_local<T> — a value scoped to a task (Tokio's task_local!).
//
//   edo::task_local<std::string> request_id;
//   co_await request_id.scope("req-42", handle(request));   // inside: request_id.get()
//
// The value is visible to every coroutine the scoped task awaits, and to join/select
// branches started inside it, on whatever worker the task runs after each await — unlike
// `thread_local`, which is not stable across a co_await on the multi-thread runtime (the
// task may resume on another worker). A spawned task does not inherit it.
#pragma once

#include <coroutine>
#include <stdexcept>
#include <utility>

#include <edo/detail/strand.hpp>
#include <edo/task.hpp>

namespace edo {

template <class T>
class task_local {
 public:
  task_local() = default;
  task_local(const task_local&) = delete;
  task_local& operator=(const task_local&) = delete;

  // Runs `t` with this task-local set to `value`.
  template <class R>
  [[nodiscard]] auto scope(T value, task<R> t) const {
    return scoped<R>(this, std::move(value), std::move(t));
  }

  // The value of the innermost enclosing scope; throws std::logic_error outside any.
  T& get() const {
    if (T* p = try_get()) return *p;
    throw std::logic_error("edo::task_local::get: not inside a scope of this task-local");
  }
  // Null outside any scope.
  T* try_get() const noexcept {
    for (detail::local_scope* s = detail::this_thread_context().locals; s != nullptr; s = s->prev) {
      if (s->key == this) return static_cast<T*>(s->value);
    }
    return nullptr;
  }

 private:
  template <class R>
  class scoped {
   public:
    using edo_awaitable = void;
    scoped(const task_local* key, T value, task<R> t)
        : value_(std::move(value)), h_(detail::task_access::release(t)) {
      node_.key = key;
      node_.value = &value_;
    }
    scoped(scoped&& o) noexcept(std::is_nothrow_move_constructible_v<T>)
        : value_(std::move(o.value_)), h_(std::exchange(o.h_, nullptr)) {
      node_.key = o.node_.key;
      node_.value = &value_;
    }
    scoped& operator=(scoped&&) = delete;
    ~scoped() {
      if (h_ && !started_) h_.destroy();
    }

    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
      node_.prev = detail::this_thread_context().locals;
      detail::this_thread_context().locals = &node_;
      h_.promise().parent_ = &caller.promise();
      started_ = true;
      return h_;
    }
    R await_resume() {
      detail::this_thread_context().locals = node_.prev;
      struct destroy_on_exit {
        std::coroutine_handle<detail::promise<R>> h;
        ~destroy_on_exit() { h.destroy(); }
      } guard{std::exchange(h_, nullptr)};
      return guard.h.promise().result_.take();
    }

   private:
    T value_;
    detail::local_scope node_{};
    std::coroutine_handle<detail::promise<R>> h_;
    bool started_ = false;
  };
};

}  // namespace edo
