// Blocking work off the async workers: edo::spawn_blocking and edo::block_in_place.
//
//   auto sum = co_await edo::spawn_blocking([] { return heavy_sum(); });
//
// spawn_blocking runs a plain (non-coroutine) callable on the runtime's blocking pool —
// threads of their own, at most max_blocking_threads (default 512), each leaving after
// thread_keep_alive (default 10 s) without work — and returns a join_handle. Use it for
// blocking system calls, blocking libraries and CPU-heavy work, so that the workers keep
// driving I/O and timers. abort() cancels the job only if it has not started; a started job
// runs to its end (its thread cannot be interrupted). Runtime shutdown waits for running
// jobs up to the shutdown timeout.
//
// block_in_place(f) runs f right here, on a multi-thread worker, after handing this
// worker's queue to a new worker thread: the other tasks keep running while f blocks. The
// current task continues on this thread afterwards. On a current-thread runtime it throws
// std::logic_error (nothing could take over); outside a runtime's workers it just runs f.
#pragma once

#include <exception>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

#include <edo/detail/runtime_api.hpp>
#include <edo/detail/task_cell.hpp>
#include <edo/join_handle.hpp>

namespace edo {
namespace detail {

template <class R, class F>
struct blocking_cell final : task_cell<R> {
  alignas(F) unsigned char storage_[sizeof(F)];
  bool alive_ = false;

  using task_cell<R>::task_cell;

  F& fn() noexcept { return *std::launder(reinterpret_cast<F*>(storage_)); }
  void destroy_fn() noexcept {
    if (alive_) {
      fn().~F();
      alive_ = false;
    }
  }

  static void run_blocking(task_header* h) noexcept {
    auto* c = static_cast<blocking_cell*>(h);
    try {
      if constexpr (std::is_void_v<R>) {
        std::invoke(c->fn());
        c->output_.set_value();
      } else {
        c->output_.set_value(std::invoke(c->fn()));
      }
      c->outcome_ = task_outcome::value;
    } catch (...) {
      c->output_.set_exception(std::current_exception());
      c->outcome_ = task_outcome::exception;
    }
    c->destroy_fn();
  }
  // Only for a job cancelled before it started.
  static void root_done(task_header* h, promise_base*) noexcept {
    auto* c = static_cast<blocking_cell*>(h);
    c->outcome_ = task_outcome::cancelled;
    c->destroy_fn();
  }
  static void dealloc(task_header* h) noexcept {
    auto* c = static_cast<blocking_cell*>(h);
    c->destroy_fn();
    c->~blocking_cell();
    frame_free(c, sizeof(blocking_cell));
  }
  static constexpr task_vtable vtable{&root_done, &task_cell<R>::drop_output,
                                      &task_cell<R>::exception, &dealloc, &run_blocking};

  template <class G>
  static blocking_cell* make(scheduler* s, std::uint64_t id, G&& g) {
    void* mem = frame_alloc(sizeof(blocking_cell));
    auto* c = ::new (mem) blocking_cell(&vtable, s, id, initial_state(true));
    try {
      ::new (static_cast<void*>(c->storage_)) F(std::forward<G>(g));
      c->alive_ = true;
    } catch (...) {
      c->~blocking_cell();
      frame_free(c, sizeof(blocking_cell));
      throw;
    }
    return c;
  }
};

// The blocking pool of the current runtime, as a scheduler for blocking cells; throws
// no_runtime without a runtime.
EDO_API scheduler* blocking_scheduler(runtime_context& rt);
// Queues a blocking cell (refused, as cancelled, during shutdown).
EDO_API void submit_blocking(runtime_context& rt, task_header* t) noexcept;
// block_in_place: hands this worker's queue to a new worker thread (see the file comment).
EDO_API void block_in_place_begin();

}  // namespace detail

// Runs f() on the blocking pool; the handle gives its result (see the file comment).
template <class F>
requires std::is_invocable_v < std::decay_t<F>
& > auto spawn_blocking(F&& f) {
  using R = std::invoke_result_t<std::decay_t<F>&>;
  using cell_t = detail::blocking_cell<R, std::decay_t<F>>;
  detail::runtime_context& rt = detail::current_runtime("edo::spawn_blocking");
  auto* cell =
      cell_t::make(detail::blocking_scheduler(rt), detail::next_task_id(rt), std::forward<F>(f));
  detail::submit_blocking(rt, cell);
  return detail::join_handle_access<R>::make(cell);
}

// Runs f() on this thread, letting the other tasks of this worker move to a new worker
// first (see the file comment).
template <class F>
decltype(auto) block_in_place(F&& f) {
  detail::block_in_place_begin();
  return std::invoke(std::forward<F>(f));
}

}  // namespace edo
