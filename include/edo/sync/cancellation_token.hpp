// edo::sync::cancellation_token — a cancellation signal shared by many tasks, organised as
// a tree (tokio_util's CancellationToken).
//
//   edo::sync::cancellation_token shutdown;
//   edo::spawn(worker, shutdown.child_token());
//   // in the worker:
//   auto r = co_await edo::select(shutdown.cancelled(), rx.recv());
//   if (r.index() == 0) co_return;                       // asked to stop
//   ...
//   shutdown.cancel();                                   // every worker sees it
//
// Copies of a token are handles of the same token. cancel() cancels the token and, at
// once, all of its children (child_token()) and their children; cancelling a child does
// not affect its parent. A child created from a cancelled token starts cancelled. A token
// stays cancelled forever. drop_guard() turns a token into a guard that cancels it when
// destroyed (unless disarm()ed) — tying a group of tasks to a scope.
//
// Each token is a node (one allocation per token, shared by its copies); a child keeps its
// parent node alive, a parent lists its live children without owning them. cancel() locks
// the nodes of the subtree top-down (parent before child), collects their waiters, and
// wakes them after every lock is released.
#pragma once

#include <atomic>
#include <coroutine>
#include <memory>
#include <utility>

#include <edo/detail/config.hpp>
#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>

namespace edo::detail {

class cancelled_waiter;

// A token's node. Guarded by lock_: the child links, the waiter list.
struct EDO_API token_node {
  token_node() noexcept = default;
  explicit token_node(std::shared_ptr<token_node> parent) noexcept : parent_(std::move(parent)) {}
  token_node(const token_node&) = delete;
  token_node& operator=(const token_node&) = delete;
  // Unlinks from the parent.
  ~token_node();

  // ordering: release store under the lock / acquire loads in is_cancelled().
  std::atomic<bool> cancelled_{false};
  sync_lock lock_;
  std::shared_ptr<token_node> parent_;  // keeps the parent alive (its link to us is weak)
  token_node* first_child_ = nullptr;   // guarded by lock_
  token_node* prev_sibling_ = nullptr;  // guarded by the parent's lock_
  token_node* next_sibling_ = nullptr;  // guarded by the parent's lock_
  wait_list<cancelled_waiter> waiters_;

  void cancel() noexcept;
  // Under lock_: cancels this node and its subtree (locking each child while this lock is
  // held: parent before child), collecting the waiters.
  void cancel_locked(wake_batch& wakes) noexcept;
  static std::shared_ptr<token_node> make_child(const std::shared_ptr<token_node>& parent);
};

class EDO_API cancelled_waiter : public waiter {
 public:
  explicit cancelled_waiter(token_node* n) noexcept : n_(n) {}
  cancelled_waiter(const cancelled_waiter& o) noexcept : waiter(o), n_(o.n_) {}

  bool await_ready() const noexcept {
    // ordering: acquire pairs with cancel()'s release store.
    return n_->cancelled_.load(std::memory_order_acquire);
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    return park();
  }
  void await_resume() const noexcept {}

 private:
  friend struct token_node;
  bool park() noexcept;
  bool cancel() noexcept override;

  token_node* n_;
  bool linked_ = false;  // guarded by the node's lock
};

}  // namespace edo::detail

namespace edo::sync {

class cancellation_drop_guard;

class EDO_API cancellation_token {
 public:
  // A new root token, not cancelled.
  cancellation_token();

  // Cancels this token and every descendant; wakes their cancelled() waiters. Idempotent.
  void cancel() const noexcept { node_->cancel(); }
  bool is_cancelled() const noexcept {
    // ordering: acquire pairs with cancel()'s release store.
    return node_->cancelled_.load(std::memory_order_acquire);
  }
  // A token cancelled when this one is (or at once, if this one already is).
  cancellation_token child_token() const {
    return cancellation_token(detail::token_node::make_child(node_));
  }

  // Completes once the token is cancelled (at once if it is).
  //
  // Cancel safety: this method is cancel safe.
  detail::cancelled_waiter cancelled() const noexcept {
    return detail::cancelled_waiter(node_.get());
  }

  // A guard that cancels this token when it goes out of scope (tokio_util's DropGuard).
  cancellation_drop_guard drop_guard() const noexcept;

  friend bool operator==(const cancellation_token& a, const cancellation_token& b) noexcept {
    return a.node_ == b.node_;
  }

 private:
  explicit cancellation_token(std::shared_ptr<detail::token_node> n) noexcept
      : node_(std::move(n)) {}
  std::shared_ptr<detail::token_node> node_;
};

// Cancels its token when destroyed, unless disarmed.
class [[nodiscard]] cancellation_drop_guard {
 public:
  explicit cancellation_drop_guard(cancellation_token t) noexcept : token_(std::move(t)) {}
  cancellation_drop_guard(cancellation_drop_guard&& o) noexcept
      : token_(o.token_), armed_(std::exchange(o.armed_, false)) {}
  cancellation_drop_guard& operator=(cancellation_drop_guard&&) = delete;
  ~cancellation_drop_guard() {
    if (armed_) token_.cancel();
  }
  // Gives the token back without cancelling it.
  cancellation_token disarm() noexcept {
    armed_ = false;
    return token_;
  }

 private:
  cancellation_token token_;
  bool armed_ = true;
};

inline cancellation_drop_guard cancellation_token::drop_guard() const noexcept {
  return cancellation_drop_guard(*this);
}

}  // namespace edo::sync
