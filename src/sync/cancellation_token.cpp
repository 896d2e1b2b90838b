// edo::sync::cancellation_token: the token tree. Locks are taken top-down only (a parent
// before its child), so cancel(), child creation and node destruction never deadlock; the
// waiters of a whole subtree are woken after every lock is released.
#include <edo/sync/cancellation_token.hpp>

namespace edo::sync {

cancellation_token::cancellation_token() : node_(std::make_shared<detail::token_node>()) {}

}  // namespace edo::sync

namespace edo::detail {

token_node::~token_node() {
  if (!parent_) return;
  // Our children (if any) hold references to us, so there are none left; unlink from
  // the parent. A concurrent cancel of the parent holds its lock: it finishes with us
  // before we unlink (our members are alive until this body returns).
  token_node& p = *parent_;
  p.lock_.lock();
  if (prev_sibling_ != nullptr) {
    prev_sibling_->next_sibling_ = next_sibling_;
  } else if (p.first_child_ == this) {
    p.first_child_ = next_sibling_;
  }
  if (next_sibling_ != nullptr) next_sibling_->prev_sibling_ = prev_sibling_;
  p.lock_.unlock();
}

std::shared_ptr<token_node> token_node::make_child(const std::shared_ptr<token_node>& parent) {
  auto child = std::make_shared<token_node>(parent);
  parent->lock_.lock();
  // ordering: relaxed: cancelled_ is written under the parent's lock, which we hold.
  if (parent->cancelled_.load(std::memory_order_relaxed)) {
    // ordering: relaxed: the child is not shared yet; make_shared's return publishes it.
    child->cancelled_.store(true, std::memory_order_relaxed);
    child->parent_.reset();  // not linked: nothing to unlink later
  } else {
    child->next_sibling_ = parent->first_child_;
    if (parent->first_child_ != nullptr) parent->first_child_->prev_sibling_ = child.get();
    parent->first_child_ = child.get();
  }
  parent->lock_.unlock();
  return child;
}

void token_node::cancel_locked(wake_batch& wakes) noexcept {
  // ordering: relaxed: written only under this node's lock, which we hold.
  if (cancelled_.load(std::memory_order_relaxed)) return;  // its subtree is cancelled too
  // ordering: release pairs with is_cancelled()'s acquire: work done before cancel() is
  // visible to whoever observes the cancellation.
  cancelled_.store(true, std::memory_order_release);
  while (cancelled_waiter* w = waiters_.pop_front()) {
    w->linked_ = false;
    wakes.push(w);
  }
  for (token_node* c = first_child_; c != nullptr; c = c->next_sibling_) {
    c->lock_.lock();
    c->cancel_locked(wakes);
    c->lock_.unlock();
  }
}

void token_node::cancel() noexcept {
  // ordering: acquire pairs with cancel_locked's release store (a cheap early exit).
  if (cancelled_.load(std::memory_order_acquire)) return;
  wake_batch wakes;
  lock_.lock();
  cancel_locked(wakes);
  lock_.unlock();
  wakes.wake_all();
}

bool cancelled_waiter::park() noexcept {
  n_->lock_.lock();
  // ordering: relaxed: written under the node's lock, which we hold.
  if (n_->cancelled_.load(std::memory_order_relaxed)) {
    n_->lock_.unlock();
    return finish_inline();
  }
  linked_ = true;
  n_->waiters_.push_back(this);
  n_->lock_.unlock();
  return true;
}

bool cancelled_waiter::cancel() noexcept {
  edo::detail::sync_guard g(n_->lock_);
  if (!linked_) return false;
  n_->waiters_.remove(this);
  linked_ = false;
  return true;
}

}  // namespace edo::detail
