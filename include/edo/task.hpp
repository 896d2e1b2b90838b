// edo::task<T> — the coroutine type of edo.
//
// A task is lazy, [[nodiscard]], move-only and awaitable once: calling a coroutine that
// returns edo::task<T> runs nothing until the task is awaited, spawned or given to
// block_on. Destroying a task that never started destroys its frame and does nothing else.
// Awaiting a task from another edo coroutine is a symmetric transfer: no scheduler, no
// allocation beyond the frame (recycled per thread), no stack growth however long the chain
// of synchronously completing awaits. An exception leaving the coroutine is rethrown to its
// awaiter.
//
//   edo::task<int> answer() { co_return 42; }
//   edo::task<> caller() { int x = co_await answer(); }
//
// Pitfalls (C++, not edo): a coroutine's reference parameters and a coroutine lambda's
// captures dangle once the caller's frame moves on; pass by value what the task keeps, and
// spawn a lambda with edo::spawn(f, args...), which keeps f and args alive for the task.
// `co_await` is not allowed inside a catch handler. With g++ 12, do not co_await a braced
// temporary (`co_await awaiter{...}`): GCC PR 100611 destroys it twice; name it first.
// A task's result type may not be aligned to more than 16 bytes (a static_assert says so;
// return such a value through std::unique_ptr).
#pragma once

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include <edo/detail/result.hpp>
#include <edo/detail/strand.hpp>

namespace edo {

template <class T = void>
class task;

namespace detail {

struct task_access;

template <class T>
struct promise_result_base : promise_base {
  result<T> result_;
  template <class U = T>
  void return_value(U&& v) {
    result_.set_value(std::forward<U>(v));
  }
};

template <>
struct promise_result_base<void> : promise_base {
  void_outcome result_;
  void return_void() noexcept { result_.set_value(); }
};

template <class T>
struct promise final : promise_result_base<T> {
  static_assert(alignof(promise_result_base<T>) <= 16,
                "edo::task<T>: results aligned to more than 16 bytes are not supported (return "
                "them through std::unique_ptr or a wrapper)");
  task<T> get_return_object() noexcept;
  void unhandled_exception() noexcept { this->result_.set_exception(std::current_exception()); }
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::promise<T>;
  using value_type = T;
  using edo_awaitable = void;

  task() noexcept = default;
  task(task&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  task& operator=(task&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  // True until the task is awaited, spawned or moved from.
  bool valid() const noexcept { return static_cast<bool>(h_); }
  explicit operator bool() const noexcept { return valid(); }

  class awaiter {
   public:
    using edo_awaitable = void;
    explicit awaiter(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> caller) noexcept {
      static_assert(std::is_base_of_v<detail::promise_base, P>,
                    "edo::task can be awaited only from an edo coroutine; use edo::block_on "
                    "or spawn it");
      h_.promise().parent_ = &caller.promise();
      return h_;
    }
    T await_resume() {
      // The child frame is owned by the chain once started; it is destroyed here on the
      // normal path, or by the executor's tear-down (never both: no destructor here).
      struct destroy_on_exit {
        std::coroutine_handle<promise_type> h;
        ~destroy_on_exit() { h.destroy(); }
      } guard{h_};
      return h_.promise().result_.take();
    }

   private:
    std::coroutine_handle<promise_type> h_;
  };

  // Awaiting consumes the task (awaitable once).
  awaiter operator co_await() && noexcept { return awaiter{release_checked()}; }
  awaiter operator co_await() & noexcept { return awaiter{release_checked()}; }

 private:
  friend struct detail::promise<T>;
  friend struct detail::task_access;
  explicit task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}

  std::coroutine_handle<promise_type> release_checked() noexcept {
    if (!h_) std::terminate();  // precondition: a task is awaited at most once
    return std::exchange(h_, nullptr);
  }
  void reset() noexcept {
    if (h_) std::exchange(h_, nullptr).destroy();
  }

  std::coroutine_handle<promise_type> h_;
};

namespace detail {

template <class T>
task<T> promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<promise>::from_promise(*this)};
}

// Lets the executor, block_on and spawn take the coroutine out of a task.
struct task_access {
  template <class T>
  static std::coroutine_handle<promise<T>> release(task<T>& t) noexcept {
    return std::exchange(t.h_, nullptr);
  }
};

template <class A>
struct is_task : std::false_type {};
template <class T>
struct is_task<task<T>> : std::true_type {};

}  // namespace detail
}  // namespace edo
