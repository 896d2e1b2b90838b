// edo::select — await the first of several operations; cancel the others.
//
//   auto r = co_await edo::select(rx.recv(), edo::time::sleep(1s));
//   if (r.index() == 0) { auto msg = std::get<0>(r); ... }
//
// Each branch runs as a strand of the awaiting task. The first branch to finish wins; the
// others are cancelled and torn down before select returns, so no branch outlives the
// call. Returns a std::variant holding the winner's result at the winner's index (read it
// by index: equal types are fine; void is std::monostate). If the winner threw, its
// exception is rethrown (after the losers are gone). When several branches finish in the
// same run, the lowest index wins — like Tokio's `select! { biased; ... }`.
//
// Cancellation safety: a loser is torn down at its current await. Whether that loses data
// is the loser's own cancellation safety (every edo operation documents it; edo's channel
// receives, lock and permit acquisitions give back what they took).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <tuple>
#include <utility>
#include <variant>

#include <edo/detail/awaitable.hpp>
#include <edo/detail/composite.hpp>
#include <edo/join.hpp>
#include <edo/task.hpp>

namespace edo {
namespace detail {

// Dispatch of select's ready branches in index order.
class EDO_API select_base : public composite {
 protected:
  select_base() noexcept { init_special(dispatch_); }

  // Any thread: branch `s` became ready: set its bit; the first bit queues the dispatcher.
  void child_woken(child_strand* s) noexcept override;
  // Runner: run every ready branch, lowest index first.
  void on_special(child_strand* s) noexcept override;
  // Runner: process a branch taken from the mask (resume or tear down).
  virtual child_strand& branch_strand(std::uint32_t index) noexcept = 0;

  // ordering: acq_rel fetch_or by wakers / acquire exchange by the runner: publishes the
  // branches' leaf results.
  std::atomic<std::uint64_t> ready_mask_{0};
  child_strand dispatch_;
  std::size_t remaining_ = 0;
  int winner_ = -1;
};

template <class... Ts>
class select_awaitable final : public select_base {
  static_assert(sizeof...(Ts) >= 1 && sizeof...(Ts) <= 64, "select takes 1 to 64 branches");

 public:
  using edo_awaitable = void;
  using value_type = std::variant<non_void_t<Ts>...>;

  explicit select_awaitable(task<Ts>... ts) : tasks_(std::move(ts)...) {}
  // Movable until awaited (to be stored, e.g. as a branch of another combinator).
  select_awaitable(select_awaitable&& o) noexcept : select_base(), tasks_(std::move(o.tasks_)) {}
  select_awaitable& operator=(select_awaitable&&) = delete;

  bool await_ready() const noexcept { return false; }

  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    enter();
    remaining_ = sizeof...(Ts);
    start(std::index_sequence_for<Ts...>{});
  }

  value_type await_resume() {
    return take(static_cast<std::size_t>(winner_), std::index_sequence_for<Ts...>{});
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
  value_type take(std::size_t w, std::index_sequence<I...>) {
    value_type* out = nullptr;
    alignas(value_type) unsigned char buf[sizeof(value_type)];
    ((w == I ? (out = take_one<I>(buf), void()) : void()), ...);
    value_type v = std::move(*out);
    out->~value_type();
    return v;
  }
  template <std::size_t I>
  value_type* take_one(unsigned char* buf) {
    auto& b = std::get<I>(branches_);
    return ::new (static_cast<void*>(buf)) value_type(std::in_place_index<I>, b.take());
  }

  child_strand& branch_strand(std::uint32_t index) noexcept override {
    child_strand* s = nullptr;
    std::apply([&](auto&... b) { ((s = (b.strand.index_ == index ? &b.strand : s)), ...); },
               branches_);
    return *s;
  }

  void child_done(child_strand* s, promise_base* root) noexcept override {
    dispatch(s->index_, root, std::index_sequence_for<Ts...>{});
  }
  template <std::size_t... I>
  void dispatch(std::uint32_t index, promise_base* root, std::index_sequence<I...>) noexcept {
    ((index == I ? branch_done(std::get<I>(branches_), root, I) : void()), ...);
  }
  template <class T>
  void branch_done(join_branch<T>& b, promise_base* root, std::size_t i) noexcept {
    if (root != nullptr) {
      b.h.promise().result_.move_to(b.out);
      destroy_root(root);
      b.h = nullptr;
      if (winner_ < 0) {
        winner_ = static_cast<int>(i);
        cancel_children();
      } else {
        // Finished after the winner within the same dispatch: its result is dropped.
        b.out.reset();
      }
    }
    if (--remaining_ == 0) finish();
  }
  void cancel_children() noexcept override {
    std::apply([this](auto&... b) { (cancel_child(b.strand), ...); }, branches_);
  }
  void for_each_branch(void (*fn)(void*, const child_strand&), void* ctx) const override {
    std::apply(
        [&](const auto&... b) {
          ((!b.strand.has(strand_flag::done) && !b.strand.has(strand_flag::torn_down)
                ? fn(ctx, b.strand)
                : void()),
           ...);
        },
        branches_);
  }
  void describe(std::string& out) const override {
    out += "select of " + std::to_string(sizeof...(Ts));
  }

  std::tuple<task<Ts>...> tasks_;
  std::tuple<join_branch<Ts>...> branches_;
};

}  // namespace detail

// Runs every awaitable as a branch of the calling task; returns the first to finish, as a
// variant indexed like the arguments, after tearing down the others.
template <class... As>
requires(detail::edo_awaitable<As>&&...) [[nodiscard]] auto select(As&&... as) {
  return detail::select_awaitable<typename detail::as_task_t<As>::value_type...>(
      detail::as_task(std::forward<As>(as))...);
}

}  // namespace edo
