// edo::sync::oneshot — send a single value from one task to another (Tokio's
// tokio::sync::oneshot).
//
//   auto [tx, rx] = edo::sync::oneshot::channel<int>();
//   edo::spawn(compute, std::move(tx));          // ... tx.send(42);
//   std::optional<int> v = co_await rx;          // empty if tx was dropped without sending
//
// send() succeeds unless the receiver is gone or closed, in which case the value comes
// back in the send_result. The sender can wait for the receiver to go away with
// co_await tx.closed() (to abandon work nobody waits for).
//
// One heap block per channel (the value, two waiter slots, a lock, a reference count).
// Each side is movable, not copyable, and must outlive the operations started on it.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>

#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>
#include <edo/sync/send_result.hpp>

namespace edo::detail {

// A oneshot channel's shared state. Guarded by lock_: value_, flags, the two waiter
// pointers.
template <class T>
struct oneshot_state {
  detail::sync_lock lock_;
  std::optional<T> value_;
  detail::waiter* rx_waiter_ = nullptr;  // the receive waiting for the value
  detail::waiter* tx_waiter_ = nullptr;  // sender::closed() waiting for the receiver
  bool sent_ = false;                    // value_ was set by the sender
  bool tx_done_ = false;                 // the sender sent or went away
  bool rx_closed_ = false;               // the receiver closed or went away
  bool taken_ = false;                   // the receiver took the value
  // ordering: acq_rel decrement: the last side sees the other's writes before freeing.
  std::atomic<std::uint32_t> refs_{2};

  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

}  // namespace edo::detail

namespace edo::sync::oneshot {

template <class T>
class sender;
template <class T>
class receiver;

// Awaiting a receiver: the value, or empty if the sender went away without sending.
template <class T>
class [[nodiscard]] recv_awaitable final : public detail::waiter {
 public:
  explicit recv_awaitable(detail::oneshot_state<T>* s) noexcept : s_(s) {}
  recv_awaitable(const recv_awaitable& o) noexcept : waiter(o), s_(o.s_) {}

  bool await_ready() noexcept {
    {
      detail::sync_guard g(s_->lock_);
      if (!s_->tx_done_) return false;
    }
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
    s_->lock_.lock();
    if (s_->tx_done_) {
      s_->lock_.unlock();
      return finish_inline();
    }
    if (s_->rx_waiter_ != nullptr) std::abort();  // precondition: one await at a time
    s_->rx_waiter_ = this;
    s_->lock_.unlock();
    return true;
  }
  // The value stays in the channel until here: after a wake, the sender no longer touches
  // it (tx_done_ was published by the wake).
  std::optional<T> await_resume() noexcept {
    if (!s_->sent_ || s_->taken_) return std::nullopt;
    s_->taken_ = true;
    std::optional<T> v(std::move(s_->value_));
    s_->value_.reset();
    return v;
  }

 private:
  bool cancel() noexcept override {
    detail::sync_guard g(s_->lock_);
    if (s_->rx_waiter_ != this) return false;  // sent or dropped: the wake is coming
    s_->rx_waiter_ = nullptr;
    return true;
  }
  // Nothing to give back: the value was never taken out of the channel.

  detail::oneshot_state<T>* s_;
  bool ready_now_ = false;
};

template <class T>
class [[nodiscard]] closed_awaitable final : public detail::waiter {
 public:
  explicit closed_awaitable(detail::oneshot_state<T>* s) noexcept : s_(s) {}
  closed_awaitable(const closed_awaitable& o) noexcept : waiter(o), s_(o.s_) {}
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    s_->lock_.lock();
    if (s_->rx_closed_) {
      s_->lock_.unlock();
      return finish_inline();
    }
    if (s_->tx_waiter_ != nullptr) std::abort();  // precondition: one await at a time
    s_->tx_waiter_ = this;
    s_->lock_.unlock();
    return true;
  }
  void await_resume() const noexcept {}

 private:
  bool cancel() noexcept override {
    detail::sync_guard g(s_->lock_);
    if (s_->tx_waiter_ != this) return false;
    s_->tx_waiter_ = nullptr;
    return true;
  }
  detail::oneshot_state<T>* s_;
};

template <class T>
class sender {
 public:
  sender(sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  sender& operator=(sender&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  sender(const sender&) = delete;
  sender& operator=(const sender&) = delete;
  // Without a send, the receiver gets an empty optional.
  ~sender() { reset(); }

  // Sends the value (once: the sender is empty afterwards). Fails with the value back if
  // the receiver is gone or closed. Never waits.
  send_result<T> send(T value) {
    if (s_ == nullptr) std::abort();  // precondition: not sent already
    detail::oneshot_state<T>* s = std::exchange(s_, nullptr);
    detail::waiter* w = nullptr;
    s->lock_.lock();
    if (s->rx_closed_) {
      s->tx_done_ = true;
      s->lock_.unlock();
      s->release();
      return send_result<T>(send_status::closed, std::move(value));
    }
    s->value_.emplace(std::move(value));
    s->sent_ = true;
    s->tx_done_ = true;
    w = std::exchange(s->rx_waiter_, nullptr);
    s->lock_.unlock();
    if (w != nullptr) w->wake();
    s->release();
    return {};
  }

  // True once the receiver is gone or closed (a send would fail).
  bool is_closed() const noexcept {
    detail::sync_guard g(s_->lock_);
    return s_->rx_closed_;
  }

  // Completes once the receiver is dropped or closed.
  //
  // Cancel safety: cancel safe.
  closed_awaitable<T> closed() noexcept { return closed_awaitable<T>(s_); }

  explicit operator bool() const noexcept { return s_ != nullptr; }

 private:
  template <class U>
  friend std::pair<sender<U>, receiver<U>> channel();
  explicit sender(detail::oneshot_state<T>* s) noexcept : s_(s) {}
  void reset() noexcept {
    if (s_ == nullptr) return;
    detail::oneshot_state<T>* s = std::exchange(s_, nullptr);
    s->lock_.lock();
    s->tx_done_ = true;
    detail::waiter* w = std::exchange(s->rx_waiter_, nullptr);
    s->lock_.unlock();
    if (w != nullptr) w->wake();
    s->release();
  }
  detail::oneshot_state<T>* s_;
};

template <class T>
class receiver {
 public:
  using edo_awaitable = void;

  receiver(receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  receiver& operator=(receiver&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;
  ~receiver() { reset(); }

  // co_await rx: the value, or empty when the sender went away without sending (or the
  // value was already taken).
  //
  // Cancel safety: cancel safe: a cancelled await leaves the value in the channel; await
  // again to get it.
  recv_awaitable<T> operator co_await() noexcept { return recv_awaitable<T>(s_); }

  // The value if it was sent and not taken yet; empty otherwise (is_terminated() tells
  // whether it may still come).
  std::optional<T> try_recv() noexcept {
    detail::sync_guard g(s_->lock_);
    if (!s_->sent_ || s_->taken_) return std::nullopt;
    s_->taken_ = true;
    std::optional<T> v(std::move(s_->value_));
    s_->value_.reset();
    return v;
  }
  // True once nothing more can be received: the value was taken, or the sender is gone
  // without sending.
  bool is_terminated() const noexcept {
    detail::sync_guard g(s_->lock_);
    return s_->taken_ || (s_->tx_done_ && !s_->sent_);
  }

  // Prevents the sender from sending (its send fails with the value back) and wakes its
  // closed(). A value sent before can still be received.
  void close() noexcept {
    s_->lock_.lock();
    s_->rx_closed_ = true;
    detail::waiter* w = std::exchange(s_->tx_waiter_, nullptr);
    s_->lock_.unlock();
    if (w != nullptr) w->wake();
  }

 private:
  template <class U>
  friend std::pair<sender<U>, receiver<U>> channel();
  explicit receiver(detail::oneshot_state<T>* s) noexcept : s_(s) {}
  void reset() noexcept {
    if (s_ == nullptr) return;
    close();
    std::exchange(s_, nullptr)->release();  // an untaken value dies with the state
  }
  detail::oneshot_state<T>* s_;
};

template <class T>
std::pair<sender<T>, receiver<T>> channel() {
  auto* s = new detail::oneshot_state<T>();
  return {sender<T>(s), receiver<T>(s)};
}

}  // namespace edo::sync::oneshot
