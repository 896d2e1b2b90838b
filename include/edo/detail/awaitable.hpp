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

template <class R, class A>
task<R> wrap_value(A a) {
  co_return co_await std::move(a);
}

template <class R, class A>
task<R> wrap_ref(A& a) {
  co_return co_await a;
}

// An edo awaitable as a task: tasks pass through (an lvalue task is consumed, as awaiting
// it would); an rvalue awaitable is moved into a small coroutine that owns it; an lvalue
// awaitable is awaited in place (it must outlive the combinator, as a named object in the
// awaiting coroutine does).
template <class A>
auto as_task(A&& a) {
  using D = std::remove_cvref_t<A>;
  if constexpr (is_task<D>::value) {
    return D(std::move(a));
  } else if constexpr (std::is_lvalue_reference_v<A>) {
    return wrap_ref<await_result_t<A>>(a);
  } else {
    return wrap_value<await_result_t<D>, D>(std::move(a));
  }
}

template <class A>
using as_task_t = decltype(as_task(std::declval<A>()));

}  // namespace edo::detail
