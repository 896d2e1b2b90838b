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
#include <source_location>
#include <string>
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

template <class F, class... Args>
struct spawn_value {
  using type = spawn_result_t<F, Args...>;
};
template <class T>
struct spawn_value<task<T>> {
  using type = T;
};

template <class T>
join_handle<T> spawn_task_on(runtime_context& rt, task<T>&& t, bool local,
                             std::source_location loc = {}, const char* name = nullptr) {
  auto* cell =
      spawned_cell<T>::make(std::move(t), spawn_scheduler(rt, local), next_task_id(rt), true);
  submit_task(rt, cell, loc, name);
  return join_handle_access<T>::make(cell);
}

template <class F, class... Args>
auto spawn_callable_on(runtime_context& rt, bool local, std::source_location loc, const char* name,
                       F&& f, Args&&... args) {
  using T = spawn_result_t<F, Args...>;
  using cell_t = callable_cell<T, std::decay_t<F>, std::decay_t<Args>...>;
  auto* cell = cell_t::make(spawn_scheduler(rt, local), next_task_id(rt), true, std::forward<F>(f),
                            std::forward<Args>(args)...);
  submit_task(rt, cell, loc, name);
  return join_handle_access<T>::make(cell);
}

// spawn(t) or spawn(f, args...), on the current runtime.
template <class F, class... Args>
auto spawn_any(bool local, const char* what, std::source_location loc, const char* name, F&& f,
               Args&&... args) {
  runtime_context& rt = current_runtime(what);
  if constexpr (sizeof...(Args) == 0 && is_task<std::remove_cvref_t<F>>::value) {
    return spawn_task_on(rt, std::remove_cvref_t<F>(std::forward<F>(f)), local, loc, name);
  } else {
    return spawn_callable_on(rt, local, loc, name, std::forward<F>(f), std::forward<Args>(args)...);
  }
}

template <class F, class... Args>
concept spawn_arguments =
    (sizeof...(Args) == 0 && is_task<std::remove_cvref_t<F>>::value) || spawnable<F, Args...>;

}  // namespace detail

// Spawns a task onto the current runtime: `edo::spawn(t)` or `edo::spawn(f, args...)` (see
// the file comment). A class template only so that the spawn site can be recorded (a
// std::source_location default argument after a parameter pack needs class template
// argument deduction); it *is* the join_handle: use it as one, or convert it to
// edo::join_handle<T>.
template <class F, class... Args>
requires detail::spawn_arguments<F, Args...>
class spawn
    : public join_handle<typename detail::spawn_value<std::remove_cvref_t<F>, Args...>::type> {
  using base = join_handle<typename detail::spawn_value<std::remove_cvref_t<F>, Args...>::type>;

 public:
  spawn(F&& f, Args&&... args, std::source_location loc = std::source_location::current())
      : base(detail::spawn_any(false, "edo::spawn", loc, nullptr, std::forward<F>(f),
                               std::forward<Args>(args)...)) {}
};
template <class F, class... Args>
spawn(F&&, Args&&...) -> spawn<F, Args...>;

// Spawns a task pinned to the calling thread: it always runs on this worker thread, never
// migrates (for objects tied to one thread; C++ has no Send to keep them from migrating).
// On a current-thread runtime every task is pinned; on the multi-thread runtime the calling
// thread must be one of its workers (std::logic_error otherwise), and block_in_place on a
// worker with live pinned tasks throws std::logic_error.
template <class F, class... Args>
requires detail::spawn_arguments<F, Args...>
class spawn_local
    : public join_handle<typename detail::spawn_value<std::remove_cvref_t<F>, Args...>::type> {
  using base = join_handle<typename detail::spawn_value<std::remove_cvref_t<F>, Args...>::type>;

 public:
  spawn_local(F&& f, Args&&... args, std::source_location loc = std::source_location::current())
      : base(detail::spawn_any(true, "edo::spawn_local", loc, nullptr, std::forward<F>(f),
                               std::forward<Args>(args)...)) {}
};
template <class F, class... Args>
spawn_local(F&&, Args&&...) -> spawn_local<F, Args...>;

// Spawns with options: `edo::task_builder().name("acceptor").spawn(t)`. The name shows in
// dumps, the console, traces and reports of unhandled exceptions.
class task_builder {
 public:
  task_builder& name(std::string n) & {
    name_ = std::move(n);
    return *this;
  }
  task_builder&& name(std::string n) && { return std::move(name(std::move(n))); }

  template <class T>
  join_handle<T> spawn(task<T> t, std::source_location loc = std::source_location::current()) {
    return detail::spawn_any(false, "edo::task_builder::spawn", loc, name_ptr(), std::move(t));
  }
  template <class F, class... Args>
  requires detail::spawnable<F, Args...>
  auto spawn(F&& f, Args&&... args) {
    return detail::spawn_any(false, "edo::task_builder::spawn", std::source_location{}, name_ptr(),
                             std::forward<F>(f), std::forward<Args>(args)...);
  }
  template <class T>
  join_handle<T> spawn_local(task<T> t,
                             std::source_location loc = std::source_location::current()) {
    return detail::spawn_any(true, "edo::task_builder::spawn_local", loc, name_ptr(), std::move(t));
  }

 private:
  const char* name_ptr() const noexcept { return name_.empty() ? nullptr : name_.c_str(); }
  std::string name_;
};

}  // namespace edo
