// edo::block_on — run a task to completion on the calling thread, with no runtime.
//
// The twin of futures::executor::block_on: a minimal executor for code that is
// runtime-agnostic (tasks, combinators, edo::sync). There are no drivers here: using time,
// I/O, signals or processes inside it throws edo::no_runtime, as does edo::spawn. Wakes
// from other threads (a channel fed by a std::thread) are fine. Calling it from inside a
// task throws std::logic_error (co_await the task instead).
//
//   edo::task<int> add(int a, int b) { co_return a + b; }
//   int main() { return edo::block_on(add(2, 3)) == 5 ? 0 : 1; }
#pragma once

#include <utility>

#include <edo/detail/executor.hpp>
#include <edo/detail/local_executor.hpp>
#include <edo/detail/task_cell.hpp>
#include <edo/task.hpp>

namespace edo {

namespace detail {

// The pseudo-task of block_on: lives on the caller's stack.
template <class T>
struct block_on_cell final : task_cell<T> {
  using task_cell<T>::task_cell;
  static void root_done(task_header* h, promise_base* root) noexcept {
    static_cast<block_on_cell*>(h)->store_root(root);
  }
  static void dealloc(task_header*) noexcept {}
  static constexpr task_vtable vtable{&root_done, &task_cell<T>::drop_output,
                                      &task_cell<T>::exception, &dealloc};
};

// Runs `t` on `exec` until it completes and returns its result (or rethrows).
template <class T, class Executor>
T run_pseudo_task(task<T>&& t, Executor& exec) {
  auto h = task_access::release(t);
  if (!h) throw std::invalid_argument("edo::block_on: the task was already awaited or moved");
  block_on_cell<T> cell(&block_on_cell<T>::vtable, &exec, 0, initial_state(true));
  cell.top_ = &h.promise();
  try {
    exec.run(&cell);
  } catch (...) {
    h.destroy();  // never started: run() refused before resuming anything
    throw;
  }
  task_wait_last_reference(&cell);  // the cell is on this stack
  task_release(&cell);              // the handle's reference: the last one
  return cell.take_output();
}

}  // namespace detail

template <class T>
T block_on(task<T> t) {
  detail::local_executor exec;
  return detail::run_pseudo_task(std::move(t), exec);
}

}  // namespace edo
