// edo::spawn — run a task concurrently on the current runtime (Tokio's tokio::spawn).
//
//   auto h = edo::spawn(fetch(url));                  // a task
//   auto h = edo::spawn(fetch, url);                  // a callable and its arguments
//   auto h = edo::spawn([](std::string u) -> edo::task<int> { ... }, url);
//
// spawn(f, args...) stores f and the arguments by value in the task and calls f on those
// stored copies as lvalues, so a coroutine's reference parameters bind to objects that live
// as long as the task (a move-only argument taken by value — a channel receiver — is moved
// into its parameter instead). Prefer it to spawning a lambda's task directly: a coroutine lambda's
// captures live in the lambda object, which dies at the end of the full expression —
//     edo::spawn([&x]() -> edo::task<> { use(x); co_return; }());   // the lambda is gone
//     edo::spawn([&x]() -> edo::task<> { use(x); co_return; });     // fine: stored
// (clang-tidy: cppcoreguidelines-avoid-capturing-lambda-coroutines).
//
// Needs a runtime: called elsewhere it throws edo::no_runtime. On a runtime that is
// shutting down it returns a handle whose task is already cancelled.
#pragma once

#include <functional>
#include <type_traits>
#include <utility>

#include <edo/detail/runtime_api.hpp>
#include <edo/detail/task_cell.hpp>
#include <edo/join_handle.hpp>
#include <edo/task.hpp>

namespace edo {

namespace detail {

template <class F, class... Args>
using spawn_result_t = typename spawn_invoke_result_t<F, Args...>::type::value_type;

template <class T>
join_handle<T> spawn_task_on(runtime_context& rt, task<T>&& t, bool local) {
  auto* cell = spawned_cell<T>::make(std::move(t), spawn_scheduler(rt, local), next_task_id(rt), true);
  submit_task(rt, cell);
  return join_handle_access<T>::make(cell);
}

template <class T>
join_handle<T> spawn_task(task<T>&& t, bool local, const char* what) {
  return spawn_task_on(current_runtime(what), std::move(t), local);
}

template <class F, class... Args>
auto spawn_callable_on(runtime_context& rt, bool local, F&& f, Args&&... args) {
  using T = spawn_result_t<F, Args...>;
  using cell_t = callable_cell<T, std::decay_t<F>, std::decay_t<Args>...>;
  auto* cell = cell_t::make(spawn_scheduler(rt, local), next_task_id(rt), true,
                            std::forward<F>(f), std::forward<Args>(args)...);
  submit_task(rt, cell);
  return join_handle_access<T>::make(cell);
}

template <class F, class... Args>
auto spawn_callable(bool local, const char* what, F&& f, Args&&... args) {
  return spawn_callable_on(current_runtime(what), local, std::forward<F>(f),
                           std::forward<Args>(args)...);
}

}  // namespace detail

// Spawns `t` onto the current runtime.
template <class T>
join_handle<T> spawn(task<T> t) {
  return detail::spawn_task(std::move(t), false, "edo::spawn");
}

// Spawns f(args...) with f and args stored in the task (see the file comment).
template <class F, class... Args>
  requires detail::spawnable<F, Args...>
auto spawn(F&& f, Args&&... args) {
  return detail::spawn_callable(false, "edo::spawn", std::forward<F>(f),
                                std::forward<Args>(args)...);
}

// Spawns `t` pinned to the calling thread: it always runs on this worker thread, never
// migrates (for objects tied to one thread; C++ has no Send to keep them from migrating).
// On a current-thread runtime every task is pinned; on the multi-thread runtime the calling
// thread must be one of its workers (std::logic_error otherwise), and block_in_place on a
// worker with live pinned tasks throws std::logic_error.
template <class T>
join_handle<T> spawn_local(task<T> t) {
  return detail::spawn_task(std::move(t), true, "edo::spawn_local");
}

template <class F, class... Args>
  requires detail::spawnable<F, Args...>
auto spawn_local(F&& f, Args&&... args) {
  return detail::spawn_callable(true, "edo::spawn_local", std::forward<F>(f),
                                std::forward<Args>(args)...);
}

}  // namespace edo
