// edo::time::timeout — bound an operation by a deadline.
//
//   auto r = co_await edo::time::timeout(100ms, slow_query(250));
//   if (r) use(*r); else log("timed out");
//
// Runs the operation first; only if it suspends is the clock read and the timer armed (an
// operation that is ready at once costs no timer). If the deadline passes first, the
// operation is cancelled and torn down before timeout returns, and the result is
// "elapsed": timeout never throws on elapse. An exception from the operation propagates.
//
// The result, timeout_result<T>, reads like std::optional<T>: it converts to false when
// elapsed and dereferences to the value.
//
// Cancellation safety: that of the operation.
#pragma once

#include <chrono>
#include <coroutine>
#include <new>
#include <optional>
#include <stdexcept>
#include <utility>

#include <edo/detail/awaitable.hpp>
#include <edo/detail/composite.hpp>
#include <edo/detail/runtime_api.hpp>
#include <edo/detail/timer_entry.hpp>
#include <edo/join.hpp>
#include <edo/time/instant.hpp>

namespace edo::time {

// Thrown by timeout_result::value() when the deadline elapsed.
class elapsed_error : public std::runtime_error {
 public:
  elapsed_error() : std::runtime_error("edo::time::timeout: deadline elapsed") {}
};

template <class T>
class timeout_result {
 public:
  timeout_result() = default;  // elapsed
  template <class U>
  explicit timeout_result(std::in_place_t, U&& v) : v_(std::in_place, std::forward<U>(v)) {}

  bool elapsed() const noexcept { return !v_.has_value(); }
  bool has_value() const noexcept { return v_.has_value(); }
  explicit operator bool() const noexcept { return v_.has_value(); }
  T& operator*() & noexcept { return *v_; }
  const T& operator*() const& noexcept { return *v_; }
  T&& operator*() && noexcept { return std::move(*v_); }
  T* operator->() noexcept { return &*v_; }
  const T* operator->() const noexcept { return &*v_; }
  T& value() & {
    if (!v_) throw elapsed_error();
    return *v_;
  }
  T&& value() && {
    if (!v_) throw elapsed_error();
    return std::move(*v_);
  }

 private:
  std::optional<T> v_;
};

template <>
class timeout_result<void> {
 public:
  timeout_result() = default;
  explicit timeout_result(std::in_place_t) : done_(true) {}
  bool elapsed() const noexcept { return !done_; }
  bool has_value() const noexcept { return done_; }
  explicit operator bool() const noexcept { return done_; }
  void value() const {
    if (!done_) throw elapsed_error();
  }

 private:
  bool done_ = false;
};

}  // namespace edo::time

namespace edo::detail {

template <class T>
class timeout_awaitable final : public edo::detail::composite {
 public:
  using edo_awaitable = void;

  timeout_awaitable(time::duration d, task<T> t) : d_(d), task_(std::move(t)) {
    edo::detail::require_time("edo::time::timeout");  // as Tokio: no timer, no timeout
  }
  timeout_awaitable(timeout_awaitable&& o) noexcept
      : composite(), d_(o.d_), task_(std::move(o.task_)) {}
  timeout_awaitable& operator=(timeout_awaitable&&) = delete;

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    enter();
    branch_.h = edo::detail::task_access::release(task_);
    inline_ = true;
    run_child_inline(branch_.strand, &branch_.h.promise(), 0);
    inline_ = false;
    if (child_done_) {
      // Finished without suspending: no clock read, no timer.
      leave();
      strand_->leaf_ = nullptr;
      return false;
    }
    // The operation suspended: now, and only now, the timer (constructed here: a ready
    // operation never pays for it).
    timer_part& tp = *::new (static_cast<void*>(timer_storage_))
                         timer_part(&edo::detail::current_timer_queue("edo::time::timeout"));
    timer_constructed_ = true;
    init_special(tp.node);
    tp.entry.target_ = &tp.node;
    const time::instant deadline = time::instant::now() + d_;
    if (edo::detail::timer_arm(*tp.entry.queue_, tp.entry, deadline.time_point())) {
      timer_pending_ = true;
    } else {
      elapsed_ = true;  // a zero or negative duration: cancel the operation now
      cancel_child(branch_.strand);
    }
    return true;
  }

  time::timeout_result<T> await_resume() {
    if (elapsed_ && branch_.out.empty()) return time::timeout_result<T>();
    if constexpr (std::is_void_v<T>) {
      branch_.out.take();
      return time::timeout_result<T>(std::in_place);
    } else {
      return time::timeout_result<T>(std::in_place, branch_.out.take());
    }
  }

 private:
  void child_done(edo::detail::child_strand*, edo::detail::promise_base* root) noexcept override {
    if (root != nullptr) {
      branch_.h.promise().result_.move_to(branch_.out);
      destroy_root(root);
      branch_.h = nullptr;
    }
    child_done_ = true;
    if (inline_) return;
    if (timer_pending_ && edo::detail::timer_cancel(timer().entry)) timer_pending_ = false;
    maybe_finish();
  }
  void on_special(edo::detail::child_strand*) noexcept override {
    // The timer fired (it was not cancelled in time).
    timer_pending_ = false;
    if (!child_done_) {
      elapsed_ = true;
      cancel_child(branch_.strand);
    }
    maybe_finish();
  }
  void for_each_branch(void (*fn)(void*, const edo::detail::child_strand&),
                       void* ctx) const override {
    if (!child_done_) fn(ctx, branch_.strand);
  }
  void describe(std::string& out) const override {
    out += elapsed_ ? "timeout (elapsed, tearing down)" : "timeout";
  }
  void cancel_children() noexcept override {
    cancel_child(branch_.strand);
    if (timer_pending_ && edo::detail::timer_cancel(timer().entry)) timer_pending_ = false;
    maybe_finish();
  }
  struct timer_part {
    explicit timer_part(edo::detail::timer_queue* q) noexcept : entry(q) {}
    edo::detail::timer_entry entry;
    edo::detail::child_strand node;
  };
  timer_part& timer() noexcept {
    return *std::launder(reinterpret_cast<timer_part*>(timer_storage_));
  }
  void maybe_finish() noexcept {
    if (child_done_ && !timer_pending_ && !finished_) {
      finished_ = true;
      finish();
    }
  }

  time::duration d_;
  task<T> task_;
  edo::detail::join_branch<T> branch_;
  alignas(timer_part) unsigned char timer_storage_[sizeof(timer_part)];
  bool timer_constructed_ = false;  // timer_part is trivially destructible: nothing to undo
  bool inline_ = false;
  bool child_done_ = false;
  bool timer_pending_ = false;
  bool elapsed_ = false;
  bool finished_ = false;
};

}  // namespace edo::detail

namespace edo::time {

// Runs `op` with a deadline `d` from now (see the file comment).
template <class Rep, class Period, class A>
requires edo::detail::edo_awaitable<A>
[[nodiscard]] auto timeout(std::chrono::duration<Rep, Period> d, A&& op) {
  using T = typename edo::detail::as_task_t<A>::value_type;
  return edo::detail::timeout_awaitable<T>(std::chrono::duration_cast<duration>(d),
                                           edo::detail::as_task(std::forward<A>(op)));
}

}  // namespace edo::time
