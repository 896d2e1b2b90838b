// edo::join_set<T> — a set of spawned tasks, awaited in the order they finish (Tokio's
// tokio::task::JoinSet): the structured counterpart of a detached spawn.
//
//   edo::join_set<int> set;
//   for (auto& url : urls) set.spawn(fetch, url);        // same forms as edo::spawn
//   while (auto r = co_await set.join_next()) total += *r;
//
// join_next() returns an empty optional when the set is empty. Otherwise it waits for the
// next task to finish and removes it from the set: its value, or — as awaiting its
// join_handle would — an edo::join_error thrown for a task that threw (is_panic(), the
// original exception inside) or was aborted (is_cancelled()). A void task yields
// std::monostate.
//
// Destroying a join_set aborts every task still in it (they are torn down at their current
// await, on their own threads); abort_all() does the same without waiting; shutdown()
// aborts them and waits until all are gone. Needs a runtime (as edo::spawn).
//
// How: each task is spawned wrapped in a small coroutine that stores the task's outcome in
// the set's entry and pushes the entry onto a "finished" list; an aborted task's wrapper
// frame is destroyed without running, and its notifier (a coroutine parameter, destroyed
// with the frame) records "cancelled". The finished list and the one join_next waiter are
// guarded by a sync_lock in a state block shared (std::shared_ptr) with the wrappers, so
// tasks may outlive the set.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include <edo/detail/awaitable.hpp>
#include <edo/detail/result.hpp>
#include <edo/error.hpp>
#include <edo/join_handle.hpp>
#include <edo/spawn.hpp>
#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>
#include <edo/task.hpp>

namespace edo {

template <class T>
class join_set;

namespace detail {

template <class T>
struct join_set_entry {
  // The set's list of its entries (owned by the set; runner of the set only).
  join_set_entry* prev = nullptr;
  join_set_entry* next = nullptr;
  // The finished list (guarded by the state's lock).
  join_set_entry* done_next = nullptr;
  join_handle<void> handle;  // for abort()
  std::uint64_t id = 0;
  // Written by the task under the state's lock (before it is pushed as finished).
  result<T> out;
  bool cancelled = false;
};

template <class T>
class join_next_waiter;

template <class T>
struct join_set_state {
  edo::detail::sync_lock lock_;
  join_set_entry<T>* done_head_ = nullptr;  // finished, not yet joined (FIFO)
  join_set_entry<T>* done_tail_ = nullptr;
  join_next_waiter<T>* waiter_ = nullptr;  // the one join_next waiting
  bool closed_ = false;                    // the set is gone: drop outcomes

  void push_done_locked(join_set_entry<T>* e) noexcept {
    e->done_next = nullptr;
    if (done_tail_ != nullptr) {
      done_tail_->done_next = e;
    } else {
      done_head_ = e;
    }
    done_tail_ = e;
  }
  join_set_entry<T>* pop_done_locked() noexcept {
    join_set_entry<T>* e = done_head_;
    if (e != nullptr) {
      done_head_ = e->done_next;
      if (done_head_ == nullptr) done_tail_ = nullptr;
    }
    return e;
  }
  void push_front_done_locked(join_set_entry<T>* e) noexcept {
    e->done_next = done_head_;
    done_head_ = e;
    if (done_tail_ == nullptr) done_tail_ = e;
  }

  // The task of `e` finished with `r` (or was cancelled: r null). Any thread.
  void finish(join_set_entry<T>* e, result<T>* r) noexcept;
};

// The leaf of join_next: waits for a finished entry.
template <class T>
class join_next_waiter final : public edo::detail::waiter {
 public:
  explicit join_next_waiter(join_set_state<T>* s) noexcept : s_(s) {}
  join_next_waiter(const join_next_waiter& o) noexcept : waiter(o), s_(o.s_) {}

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    s_->lock_.lock();
    if ((entry_ = s_->pop_done_locked()) != nullptr) {
      s_->lock_.unlock();
      return finish_inline();
    }
    if (s_->waiter_ != nullptr) std::abort();  // precondition: one join_next at a time
    s_->waiter_ = this;
    s_->lock_.unlock();
    return true;
  }
  join_set_entry<T>* await_resume() noexcept { return std::exchange(entry_, nullptr); }

 private:
  friend struct join_set_state<T>;
  bool cancel() noexcept override {
    edo::detail::sync_guard g(s_->lock_);
    if (s_->waiter_ != this) return false;
    s_->waiter_ = nullptr;
    return true;
  }
  // A finished entry handed to us but not consumed goes back to the front.
  void give_back() noexcept override {
    if (entry_ == nullptr) return;
    edo::detail::sync_guard g(s_->lock_);
    s_->push_front_done_locked(std::exchange(entry_, nullptr));
  }

  join_set_state<T>* s_;
  join_set_entry<T>* entry_ = nullptr;
};

template <class T>
void join_set_state<T>::finish(join_set_entry<T>* e, result<T>* r) noexcept {
  join_next_waiter<T>* w = nullptr;
  lock_.lock();
  if (closed_) {
    lock_.unlock();
    return;  // the set is gone (and `e` with it); r dies with the task
  }
  if (r != nullptr) {
    r->move_to(e->out);
  } else {
    e->cancelled = true;
  }
  if ((w = std::exchange(waiter_, nullptr)) != nullptr) {
    w->entry_ = e;
  } else {
    push_done_locked(e);
  }
  lock_.unlock();
  if (w != nullptr) w->wake();
}

// Reports the outcome of a set's task when the task's frame goes away: finished (with its
// result) or, if the frame is destroyed before that, cancelled. A coroutine parameter, so
// that even a task aborted before it ever ran reports.
template <class T>
class join_set_notifier {
 public:
  join_set_notifier(std::shared_ptr<join_set_state<T>> s, join_set_entry<T>* e) noexcept
      : s_(std::move(s)), e_(e) {}
  join_set_notifier(join_set_notifier&& o) noexcept
      : s_(std::move(o.s_)), e_(std::exchange(o.e_, nullptr)) {}
  join_set_notifier(const join_set_notifier&) = delete;
  join_set_notifier& operator=(const join_set_notifier&) = delete;
  ~join_set_notifier() {
    if (e_ != nullptr) s_->finish(e_, nullptr);
  }
  void finished(result<T>& r) noexcept { s_->finish(std::exchange(e_, nullptr), &r); }

 private:
  std::shared_ptr<join_set_state<T>> s_;
  join_set_entry<T>* e_;
};

template <class T, class F, class... Args>
task<void> join_set_run(join_set_notifier<T> n, F f, Args... args) {
  result<T> r;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::invoke(f, args...);
      r.set_value();
    } else {
      r.set_value(co_await std::invoke(f, args...));
    }
  } catch (...) {
    r.set_exception(std::current_exception());
  }
  n.finished(r);
}

template <class T>
task<void> join_set_run_task(join_set_notifier<T> n, task<T> t) {
  result<T> r;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(t);
      r.set_value();
    } else {
      r.set_value(co_await std::move(t));
    }
  } catch (...) {
    r.set_exception(std::current_exception());
  }
  n.finished(r);
}

}  // namespace detail

template <class T>
class join_set {
  using entry = detail::join_set_entry<T>;
  using state = detail::join_set_state<T>;

 public:
  using value_type = detail::non_void_t<T>;

  join_set() : s_(std::make_shared<state>()) {}
  join_set(join_set&& o) noexcept
      : s_(std::move(o.s_)),
        head_(std::exchange(o.head_, nullptr)),
        size_(std::exchange(o.size_, 0)) {}
  join_set& operator=(join_set&&) = delete;
  join_set(const join_set&) = delete;
  join_set& operator=(const join_set&) = delete;
  // Aborts every task still in the set.
  ~join_set() {
    if (!s_) return;
    {
      edo::detail::sync_guard g(s_->lock_);
      s_->closed_ = true;  // from now on tasks drop their outcomes
    }
    while (head_ != nullptr) {
      entry* e = head_;
      head_ = e->next;
      e->handle.abort();
      delete e;  // drops the handle: the task is detached (and being aborted)
    }
  }

  // Spawns `t` (as edo::spawn) into the set. Returns the task's id.
  task_id spawn(task<T> t) {
    entry* e = add();
    try {
      e->handle = edo::spawn(
          detail::join_set_run_task<T>(detail::join_set_notifier<T>(s_, e), std::move(t)));
    } catch (...) {
      undo(e);
      throw;
    }
    e->id = e->handle.id().value();
    return e->handle.id();
  }
  // Spawns f(args...) with f and the arguments stored by value in the task (as
  // edo::spawn(f, args...): reference parameters bind to the stored copies).
  template <class F, class... Args>
  requires std::is_invocable_v < std::decay_t<F>
  &, std::decay_t<Args>&... > task_id spawn(F&& f, Args&&... args) {
    entry* e = add();
    try {
      e->handle = edo::spawn(detail::join_set_run<T, std::decay_t<F>, std::decay_t<Args>...>(
          detail::join_set_notifier<T>(s_, e), std::forward<F>(f), std::forward<Args>(args)...));
    } catch (...) {
      undo(e);
      throw;
    }
    e->id = e->handle.id().value();
    return e->handle.id();
  }

  class [[nodiscard]] join_next_awaitable {
   public:
    using edo_awaitable = void;
    explicit join_next_awaitable(join_set* set) noexcept : set_(set) {}
    join_next_awaitable(join_next_awaitable&& o) noexcept : set_(o.set_) {}

    bool await_ready() {
      if (set_->size_ == 0) return true;
      inner_.emplace(set_->join_next_slow().operator co_await());
      return false;
    }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      return inner_->await_suspend(h);
    }
    std::optional<value_type> await_resume() {
      if (!inner_) return std::nullopt;
      return inner_->await_resume();
    }

   private:
    join_set* set_;
    std::optional<typename task<std::optional<value_type>>::awaiter> inner_;
  };

  // The outcome of the next task to finish, removed from the set; empty if the set is
  // empty. Throws edo::join_error for a task that threw or was aborted.
  //
  // Cancel safety: this method is cancel safe: if cancelled, it is guaranteed that no task
  // was removed from the set (a finished task handed to it goes back to the front).
  join_next_awaitable join_next() noexcept { return join_next_awaitable(this); }

  // As join_next(), without waiting: empty if no task has finished yet (or the set is
  // empty).
  std::optional<value_type> try_join_next() {
    entry* e;
    {
      edo::detail::sync_guard g(s_->lock_);
      e = s_->pop_done_locked();
    }
    if (e == nullptr) return std::nullopt;
    return take(e);
  }

  // Requests cancellation of every task in the set; they stay in the set until joined
  // (as join_error::is_cancelled(), unless they finished first).
  void abort_all() noexcept {
    for (entry* e = head_; e != nullptr; e = e->next) e->handle.abort();
  }
  // Aborts every task and waits until all of them are gone; the set is empty afterwards.
  //
  // Cancel safety: cancelling shutdown leaves the set with the tasks not yet joined, every
  // one of them aborted (join_next() then reports them).
  task<void> shutdown() {
    abort_all();
    while (size_ > 0) {
      try {
        co_await join_next();
      } catch (const join_error&) {
        // aborted or failed: dropped, as Tokio's shutdown does
      }
    }
  }
  // Removes every task from the set without aborting them (they keep running, detached).
  void detach_all() noexcept {
    {
      edo::detail::sync_guard g(s_->lock_);
      s_->closed_ = true;
    }
    while (head_ != nullptr) delete std::exchange(head_, head_->next);
    size_ = 0;
    s_ = std::make_shared<state>();
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  entry* add() {
    auto* e = new entry();
    e->next = head_;
    if (head_ != nullptr) head_->prev = e;
    head_ = e;
    ++size_;
    return e;
  }
  void unlink(entry* e) noexcept {
    if (e->prev != nullptr) {
      e->prev->next = e->next;
    } else {
      head_ = e->next;
    }
    if (e->next != nullptr) e->next->prev = e->prev;
    --size_;
  }
  // spawn threw: the wrapper's frame was destroyed and may have reported `e`.
  void undo(entry* e) noexcept {
    {
      edo::detail::sync_guard g(s_->lock_);
      entry* prev = nullptr;
      for (entry* d = s_->done_head_; d != nullptr; prev = d, d = d->done_next) {
        if (d != e) continue;
        if (prev != nullptr) {
          prev->done_next = d->done_next;
        } else {
          s_->done_head_ = d->done_next;
        }
        if (s_->done_tail_ == d) s_->done_tail_ = prev;
        break;
      }
    }
    unlink(e);
    delete e;
  }
  std::optional<value_type> take(entry* e) {
    std::unique_ptr<entry> owned(e);
    unlink(e);
    if (e->cancelled) throw join_error(task_id(e->id), edo::cancelled);
    if (e->out.has_exception()) throw join_error(task_id(e->id), e->out.exception());
    if constexpr (std::is_void_v<T>) {
      e->out.take();
      return std::monostate{};
    } else {
      return e->out.take();
    }
  }
  task<std::optional<value_type>> join_next_slow() {
    detail::join_next_waiter<T> w(s_.get());  // named: g++ 12 (PR 100611)
    entry* e = co_await w;
    co_return take(e);
  }

  std::shared_ptr<state> s_;
  entry* head_ = nullptr;  // every task still in the set
  std::size_t size_ = 0;
};

}  // namespace edo
