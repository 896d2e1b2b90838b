// edo::join and edo::join_all — await several operations concurrently in one task.
//
//   auto [a, b] = co_await edo::join(fetch("a"), fetch("b"));
//   std::vector<int> all = co_await edo::join_all(std::move(tasks));
//
// Each branch runs as a strand of the awaiting task: concurrent, never parallel (spawn for
// parallelism). join returns a std::tuple of the branches' results in argument order; a
// void result appears as std::monostate. If a branch throws, the other branches are
// cancelled and torn down, then the first exception is rethrown (later ones are discarded).
// join never returns while a branch is alive.
//
// Cancellation: cancelling the awaiting strand cancels every branch; each is torn down at
// its current await as if it had been aborted.
//
// Lifetime trap: a branch is a coroutine like any other — a lambda coroutine's captures die
// with the lambda object. Pass arguments by value, or name the lambda so it outlives the
// join.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <edo/detail/awaitable.hpp>
#include <edo/detail/composite.hpp>
#include <edo/task.hpp>

namespace edo {
namespace detail {

template <class T>
struct join_branch {
  child_strand strand;
  std::coroutine_handle<promise<T>> h;
  result<T> out;

  non_void_t<T> take() {
    if constexpr (std::is_void_v<T>) {
      out.take();
      return std::monostate{};
    } else {
      return out.take();
    }
  }
};

// Common bookkeeping of join and join_all: count live branches, keep the first exception.
class join_base : public composite {
 protected:
  // Records a finished branch's outcome; false if the branch failed.
  template <class T>
  void branch_done(join_branch<T>& b, promise_base* root) noexcept {
    if (root != nullptr) {
      b.h.promise().result_.move_to(b.out);
      destroy_root(root);
      b.h = nullptr;
      if (b.out.has_exception() && !failed_) {
        failed_ = true;
        error_ = b.out.exception();
        cancel_children();
      }
    }
    if (--remaining_ == 0) finish();
  }
  void rethrow_if_failed() {
    if (failed_) std::rethrow_exception(error_);
  }
  static void visit_branch(const child_strand& s, void (*fn)(void*, const child_strand&),
                           void* ctx) {
    if (!s.has(strand_flag::done) && !s.has(strand_flag::torn_down)) fn(ctx, s);
  }

  std::size_t remaining_ = 0;
  bool failed_ = false;
  std::exception_ptr error_;
};

template <class... Ts>
class join_awaitable final : public join_base {
 public:
  using edo_awaitable = void;
  using value_type = std::tuple<non_void_t<Ts>...>;

  explicit join_awaitable(task<Ts>... ts) : tasks_(std::move(ts)...) {}
  // Movable until awaited (to be stored, e.g. as a branch of another combinator).
  join_awaitable(join_awaitable&& o) noexcept : join_base(), tasks_(std::move(o.tasks_)) {}
  join_awaitable& operator=(join_awaitable&&) = delete;

  bool await_ready() const noexcept { return sizeof...(Ts) == 0; }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    enter();
    remaining_ = sizeof...(Ts);
    start(std::index_sequence_for<Ts...>{});
  }

  value_type await_resume() {
    rethrow_if_failed();
    return take(std::index_sequence_for<Ts...>{});
  }

 private:
  template <std::size_t... I>
  void start(std::index_sequence<I...>) noexcept {
    (start_one<I>(), ...);
  }
  template <std::size_t I>
  void start_one() noexcept {
    auto& b = std::get<I>(branches_);
    b.h = task_access::release(std::get<I>(tasks_));
    start_child(b.strand, &b.h.promise(), static_cast<std::uint32_t>(I));
  }
  template <std::size_t... I>
  value_type take(std::index_sequence<I...>) {
    return value_type(std::get<I>(branches_).take()...);
  }

  void child_done(child_strand* s, promise_base* root) noexcept override {
    dispatch(s->index_, root, std::index_sequence_for<Ts...>{});
  }
  template <std::size_t... I>
  void dispatch(std::uint32_t index, promise_base* root, std::index_sequence<I...>) noexcept {
    ((index == I ? branch_done(std::get<I>(branches_), root) : void()), ...);
  }
  void cancel_children() noexcept override {
    std::apply([this](auto&... b) { (cancel_child(b.strand), ...); }, branches_);
  }
  void for_each_branch(void (*fn)(void*, const child_strand&), void* ctx) const override {
    std::apply([&](const auto&... b) { (visit_branch(b.strand, fn, ctx), ...); }, branches_);
  }
  void describe(std::string& out) const override {
    out += "join of " + std::to_string(sizeof...(Ts)) + " (" + std::to_string(remaining_) +
           " pending)";
  }

  std::tuple<task<Ts>...> tasks_;
  std::tuple<join_branch<Ts>...> branches_;
};

template <class T>
class join_all_awaitable final : public join_base {
 public:
  using edo_awaitable = void;
  using value_type = std::vector<non_void_t<T>>;

  explicit join_all_awaitable(std::vector<task<T>> ts) : tasks_(std::move(ts)) {}
  join_all_awaitable(join_all_awaitable&& o) noexcept : join_base(), tasks_(std::move(o.tasks_)) {}
  join_all_awaitable& operator=(join_all_awaitable&&) = delete;

  bool await_ready() const noexcept { return tasks_.empty(); }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) {
    branches_ = std::vector<join_branch<T>>(tasks_.size());  // before suspending: may throw
    suspend(h);
    enter();
    remaining_ = tasks_.size();
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      auto& b = branches_[i];
      b.h = task_access::release(tasks_[i]);
      start_child(b.strand, &b.h.promise(), static_cast<std::uint32_t>(i));
    }
  }

  value_type await_resume() {
    rethrow_if_failed();
    value_type out;
    out.reserve(branches_.size());
    for (auto& b : branches_) out.push_back(b.take());
    return out;
  }

 private:
  void child_done(child_strand* s, promise_base* root) noexcept override {
    branch_done(branches_[s->index_], root);
  }
  void cancel_children() noexcept override {
    for (auto& b : branches_) cancel_child(b.strand);
  }
  void for_each_branch(void (*fn)(void*, const child_strand&), void* ctx) const override {
    for (const auto& b : branches_) visit_branch(b.strand, fn, ctx);
  }
  void describe(std::string& out) const override {
    out += "join_all of " + std::to_string(branches_.size()) + " (" + std::to_string(remaining_) +
           " pending)";
  }

  std::vector<task<T>> tasks_;
  std::vector<join_branch<T>> branches_;
};

}  // namespace detail

// Runs every awaitable concurrently as a branch of the calling task; returns a tuple of
// their results (std::monostate for void) once all finished. The first exception is
// rethrown after the other branches were torn down.
template <class... As>
requires(detail::edo_awaitable<As>&&...) [[nodiscard]] auto join(As&&... as) {
  return detail::join_awaitable<typename detail::as_task_t<As>::value_type...>(
      detail::as_task(std::forward<As>(as))...);
}

// Runs every task of the range concurrently; returns their results in order.
template <class Range>
[[nodiscard]] auto join_all(Range&& range) {
  using A = std::remove_cvref_t<decltype(*std::begin(range))>;
  using T = typename detail::as_task_t<A>::value_type;
  std::vector<task<T>> ts;
  if constexpr (requires { std::size(range); }) ts.reserve(std::size(range));
  for (auto&& a : range) ts.push_back(detail::as_task(std::move(a)));
  return detail::join_all_awaitable<T>(std::move(ts));
}

}  // namespace edo
