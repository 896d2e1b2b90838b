// Task cells: a task_header plus the task's output and, for spawn(f, args...), the stored
// callable and arguments. One recycled block per cell (frame_alloc).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <new>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include <edo/detail/executor.hpp>
#include <edo/detail/frame_alloc.hpp>
#include <edo/detail/result.hpp>
#include <edo/detail/task_header.hpp>
#include <edo/task.hpp>

namespace edo::detail {

template <class T>
struct task_cell : task_header {
  cell_output<T> output_;

  using task_header::task_header;

  // Reads the output after COMPLETE was observed: the value, or rethrows the exception.
  // The outcome becomes `taken`.
  T take_output() {
    outcome_ = task_outcome::taken;
    return output_.take();
  }

 protected:
  void store_root(promise_base* root) noexcept {
    if (root == nullptr) {
      outcome_ = task_outcome::cancelled;
      return;
    }
    auto& p = static_cast<promise<T>&>(*root);
    outcome_ = p.result_.has_exception() ? task_outcome::exception : task_outcome::value;
    p.result_.move_to(output_);
    p.self().destroy();
  }
  static void drop_output(task_header* h) noexcept { static_cast<task_cell*>(h)->output_.reset(); }
  static std::exception_ptr exception(task_header* h) noexcept {
    return static_cast<task_cell*>(h)->output_.exception();
  }
};

// spawn(task): the coroutine already exists.
template <class T>
struct spawned_cell final : task_cell<T> {
  using task_cell<T>::task_cell;

  static void root_done(task_header* h, promise_base* root) noexcept {
    static_cast<spawned_cell*>(h)->store_root(root);
  }
  static void dealloc(task_header* h) noexcept {
    auto* c = static_cast<spawned_cell*>(h);
    c->~spawned_cell();
    frame_free(c, sizeof(spawned_cell));
  }
  static constexpr task_vtable vtable{&root_done, &task_cell<T>::drop_output,
                                      &task_cell<T>::exception, &dealloc};

  static spawned_cell* make(task<T>&& t, scheduler* s, std::uint64_t id, bool handle) {
    auto h = task_access::release(t);
    if (!h) throw std::invalid_argument("edo::spawn: the task was already awaited or moved");
    void* mem = frame_alloc(sizeof(spawned_cell));
    auto* c = ::new (mem) spawned_cell(&vtable, s, id, initial_state(handle));
    c->top_ = &h.promise();
    return c;
  }
};

// spawn(f, args...): f and args live in the cell and f is invoked on the stored copies as
// lvalues, so the coroutine's reference parameters bind to objects that outlive its frame.
// When f cannot take them as lvalues (a by-value parameter of a move-only type, such as a
// channel receiver) they are moved into its parameters instead.
template <class F, class... Args>
concept invocable_with_stored_lvalues = std::is_invocable_v<F&, Args&...>;

template <class F, class... Args>
concept spawnable = std::is_invocable_v < std::decay_t<F>
&, std::decay_t<Args>&... > || std::is_invocable_v<std::decay_t<F>&, std::decay_t<Args>&&...>;

template <class F, class... Args>
using spawn_invoke_result_t =
    std::conditional_t<std::is_invocable_v<std::decay_t<F>&, std::decay_t<Args>&...>,
                       std::invoke_result<std::decay_t<F>&, std::decay_t<Args>&...>,
                       std::invoke_result<std::decay_t<F>&, std::decay_t<Args>&&...>>;

template <class T, class F, class... Args>
struct callable_cell final : task_cell<T> {
  using stored = std::tuple<F, Args...>;
  alignas(stored) unsigned char storage_[sizeof(stored)];
  bool stored_alive_ = false;

  using task_cell<T>::task_cell;

  stored& fn() noexcept { return *std::launder(reinterpret_cast<stored*>(storage_)); }
  void destroy_callable() noexcept {
    if (stored_alive_) {
      fn().~stored();
      stored_alive_ = false;
    }
  }

  static void root_done(task_header* h, promise_base* root) noexcept {
    auto* c = static_cast<callable_cell*>(h);
    c->store_root(root);
    c->destroy_callable();
  }
  static void dealloc(task_header* h) noexcept {
    auto* c = static_cast<callable_cell*>(h);
    c->destroy_callable();
    c->~callable_cell();
    frame_free(c, sizeof(callable_cell));
  }
  static constexpr task_vtable vtable{&root_done, &task_cell<T>::drop_output,
                                      &task_cell<T>::exception, &dealloc};

  template <class F2, class... A2>
  static callable_cell* make(scheduler* s, std::uint64_t id, bool handle, F2&& f, A2&&... args) {
    void* mem = frame_alloc(sizeof(callable_cell));
    auto* c = ::new (mem) callable_cell(&vtable, s, id, initial_state(handle));
    try {
      ::new (static_cast<void*>(c->storage_))
          stored(std::forward<F2>(f), std::forward<A2>(args)...);
      c->stored_alive_ = true;
      task<T> t = std::apply(
          [](F& fn, Args&... xs) {
            if constexpr (invocable_with_stored_lvalues<F, Args...>) {
              return std::invoke(fn, xs...);
            } else {
              return std::invoke(fn, std::move(xs)...);
            }
          },
          c->fn());
      auto hdl = task_access::release(t);
      if (!hdl) throw std::invalid_argument("edo::spawn: the callable returned an empty task");
      c->top_ = &hdl.promise();
    } catch (...) {
      c->destroy_callable();
      c->~callable_cell();
      frame_free(c, sizeof(callable_cell));
      throw;
    }
    return c;
  }
};

}  // namespace edo::detail
