// edo::join_handle<T> — the handle of a spawned task (Tokio's JoinHandle).
//
//   edo::join_handle<int> h = edo::spawn(work());
//   int v = co_await h;            // or co_await std::move(h), or co_await edo::spawn(...)
//
// Awaiting gives the task's value, or throws edo::join_error: is_cancelled() if abort() or
// runtime shutdown ended it, is_panic() with the original exception if it threw. The
// outcome is what the task did: abort() after the task returned changes nothing.
// Dropping the handle detaches the task (it keeps running). One awaiter at a time; a
// handle whose awaiter was cancelled stays awaitable; awaiting after the result was taken
// is a precondition violation.
//
// Cancellation safety: awaiting a handle is cancel safe: a cancelled awaiter detaches at
// once (it never waits for the other task) and leaves the result in the handle.
#pragma once

#include <coroutine>
#include <cstdlib>
#include <string>
#include <utility>

#include <edo/detail/task_cell.hpp>
#include <edo/detail/task_header.hpp>
#include <edo/error.hpp>
#include <edo/leaf.hpp>

namespace edo {

namespace detail {
template <class T>
struct join_handle_access;
}

template <class T>
class join_handle {
 public:
  using value_type = T;
  using edo_awaitable = void;

  join_handle() noexcept = default;
  join_handle(join_handle&& o) noexcept : cell_(std::exchange(o.cell_, nullptr)) {}
  join_handle& operator=(join_handle&& o) noexcept {
    if (this != &o) {
      reset();
      cell_ = std::exchange(o.cell_, nullptr);
    }
    return *this;
  }
  join_handle(const join_handle&) = delete;
  join_handle& operator=(const join_handle&) = delete;
  ~join_handle() { reset(); }

  explicit operator bool() const noexcept { return cell_ != nullptr; }

  // Requests cancellation; the task is torn down at its current (or next) await. Any thread.
  void abort() const noexcept {
    if (cell_ != nullptr) detail::task_cancel(cell_);
  }
  // True once the task returned, threw or was cancelled.
  bool is_finished() const noexcept { return cell_ != nullptr && detail::task_is_complete(cell_); }
  task_id id() const noexcept { return task_id(cell_ != nullptr ? cell_->id_ : 0); }
  // Detaches the task explicitly (as dropping the handle does).
  void detach() noexcept { reset(); }

  class awaiter final : public leaf {
   public:
    explicit awaiter(detail::task_cell<T>* c) noexcept : cell_(c) {}

    bool await_ready() {
      if (cell_ == nullptr) std::abort();  // precondition: a live handle
      if (!detail::task_is_complete(cell_)) return false;
      if (consume_budget()) return true;
      ready_now_ = true;
      return false;
    }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
      suspend(h);
      if (ready_now_) {
        complete_now();
        return true;
      }
      if (detail::task_set_join_waker(cell_, this)) return true;
      strand_->leaf_ = nullptr;  // already complete: continue without suspending
      return false;
    }
    T await_resume() {
      switch (cell_->outcome_) {
        case detail::task_outcome::value:
          return cell_->take_output();
        case detail::task_outcome::exception: {
          std::exception_ptr e = cell_->output_.exception();
          cell_->output_.reset();
          cell_->outcome_ = detail::task_outcome::taken;
          throw join_error(task_id(cell_->id_), std::move(e));
        }
        case detail::task_outcome::cancelled:
          throw join_error(task_id(cell_->id_), cancelled);
        default:
          std::abort();  // precondition: the result was not taken already
      }
    }

    void describe(std::string& out) const override {
      out += "join_handle of task " + std::to_string(cell_->id_);
    }

   private:
    bool cancel() noexcept override { return detail::task_unset_join_waker(cell_); }

    detail::task_cell<T>* cell_;
    bool ready_now_ = false;
  };

  awaiter operator co_await() & noexcept { return awaiter(cell_); }
  awaiter operator co_await() && noexcept { return awaiter(cell_); }

 private:
  template <class U>
  friend struct detail::join_handle_access;

  explicit join_handle(detail::task_cell<T>* c) noexcept : cell_(c) {}
  void reset() noexcept {
    if (cell_ != nullptr) detail::task_drop_join_handle(std::exchange(cell_, nullptr));
  }

  detail::task_cell<T>* cell_ = nullptr;
};

namespace detail {
template <class T>
struct join_handle_access {
  static join_handle<T> make(task_cell<T>* c) noexcept { return join_handle<T>(c); }
  static task_cell<T>* cell(const join_handle<T>& h) noexcept { return h.cell_; }
};
}  // namespace detail

}  // namespace edo
