// Helpers for the combinators: the result type of awaiting an edo awaitable, and turning any
// edo awaitable into an edo::task so it can run as a strand.
#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include <edo/task.hpp>

namespace edo::detail {

template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { static_cast<A&&>(a).operator co_await(); }) {
    return static_cast<A&&>(a).operator co_await();
  } else {
    return static_cast<A&&>(a);
  }
}

template <class A>
using await_result_t = decltype(get_awaiter(std::declval<A>()).await_resume());

// void → std::monostate, for tuples and variants of results.
template <class T>
using non_void_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class A>
struct as_task_impl {
  using type = task<await_result_t<A>>;
  static type make(A a) { return wrap(std::move(a)); }
  static type wrap(A a) { co_return co_await std::move(a); }
};

template <class T>
struct as_task_impl<task<T>> {
  using type = task<T>;
  static type make(task<T> t) noexcept { return t; }
};

// An edo awaitable as a task: tasks pass through; other awaitables are wrapped in a small
// coroutine that owns them (taken by value).
template <class A>
auto as_task(A&& a) {
  return as_task_impl<std::remove_cvref_t<A>>::make(std::forward<A>(a));
}

template <class A>
using as_task_t = typename as_task_impl<std::remove_cvref_t<A>>::type;

}  // namespace edo::detail
