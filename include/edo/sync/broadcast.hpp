// edo::sync::broadcast — multi-producer, multi-consumer channel where every receiver sees
// every message (Tokio's tokio::sync::broadcast).
//
//   auto [tx, rx1] = edo::sync::broadcast::channel<event>(16);
//   auto rx2 = tx.subscribe();                // receives messages sent from now on
//   tx.send(event{...});
//   auto r = co_await rx1.recv();             // recv_result<event>
//   if (r) use(*r);
//   else if (r.is_lagged()) log("missed", r.lagged());   // then continue receiving
//   else break;                               // closed: every sender is gone, drained
//
// The channel keeps the last `capacity` messages in a ring. Sending never waits: when the
// ring is full the oldest message is overwritten, and a receiver that had not seen it
// *lags*: its next recv() reports how many messages it missed and moves it to the oldest
// message still held (the following recv() returns that one). A message is destroyed once
// every receiver has seen it or it is overwritten. Messages are copied to each receiver,
// so T must be copyable (as Tokio's T: Clone); the copy runs under the channel's lock.
//
// send() fails (the value comes back) when there is no receiver. Senders are copyable;
// receivers are movable, and resubscribe() makes a new one at the tail.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>
#include <edo/sync/send_result.hpp>

namespace edo::sync::broadcast {

template <class T>
class sender;
template <class T>
class receiver;

enum class recv_status : std::uint8_t {
  value,   // a message
  lagged,  // messages were missed (lagged() of them); the receiver moved forward
  closed,  // every sender is gone and this receiver saw every message
  empty,   // try_recv only: nothing new yet
};

// The result of recv() / try_recv(): a message, or why there is none.
template <class T>
class [[nodiscard]] recv_result {
 public:
  static recv_result of(T v) { return recv_result(recv_status::value, std::move(v), 0); }
  static recv_result of_lagged(std::uint64_t n) { return recv_result(recv_status::lagged, {}, n); }
  static recv_result of_closed() { return recv_result(recv_status::closed, {}, 0); }
  static recv_result of_empty() { return recv_result(recv_status::empty, {}, 0); }

  bool has_value() const noexcept { return status_ == recv_status::value; }
  explicit operator bool() const noexcept { return has_value(); }
  T& operator*() & noexcept { return *value_; }
  const T& operator*() const& noexcept { return *value_; }
  T* operator->() noexcept { return &*value_; }
  const T* operator->() const noexcept { return &*value_; }
  T& value() & noexcept { return *value_; }
  std::optional<T> take() && noexcept { return std::move(value_); }

  recv_status status() const noexcept { return status_; }
  bool is_lagged() const noexcept { return status_ == recv_status::lagged; }
  bool is_closed() const noexcept { return status_ == recv_status::closed; }
  bool is_empty() const noexcept { return status_ == recv_status::empty; }
  // How many messages were missed (is_lagged()).
  std::uint64_t lagged() const noexcept { return lagged_; }

 private:
  recv_result(recv_status s, std::optional<T> v, std::uint64_t n)
      : value_(std::move(v)), lagged_(n), status_(s) {}
  std::optional<T> value_;
  std::uint64_t lagged_;
  recv_status status_;
};

}  // namespace edo::sync::broadcast

namespace edo::detail {

template <class T>
class broadcast_recv_waiter;
template <class T>
using broadcast_recv_result = edo::sync::broadcast::recv_result<T>;

// Guarded by lock_ unless noted.
template <class T>
class broadcast_recv_waiter;
template <class T>
using broadcast_recv_result = edo::sync::broadcast::recv_result<T>;

// Guarded by lock_ unless noted.
template <class T>
struct broadcast_shared {
  using recv_result_t = broadcast_recv_result<T>;
  struct slot {
    std::uint64_t pos = ~std::uint64_t{0};  // position of the message held, if any
    std::size_t rem = 0;                    // receivers that have not seen it yet
    std::optional<T> value;
  };

  explicit broadcast_shared(std::size_t capacity) : slots_(capacity) {}

  detail::sync_lock lock_;
  std::vector<slot> slots_;
  std::uint64_t tail_ = 0;  // position of the next message
  std::size_t rx_count_ = 1;
  std::size_t tx_count_ = 1;
  bool closed_ = false;  // every sender is gone
  wait_list<broadcast_recv_waiter<T>> waiters_;

  std::uint64_t oldest() const noexcept {
    return tail_ > slots_.size() ? tail_ - slots_.size() : 0;
  }
  slot& at(std::uint64_t pos) noexcept {
    return slots_[static_cast<std::size_t>(pos % slots_.size())];
  }

  // Under the lock: the next result for a receiver at `next` (advancing it), or nullopt if
  // nothing is there yet. A message nobody else needs is moved into `dead` (destroyed by
  // the caller after unlocking).
  std::optional<recv_result_t> read_locked(std::uint64_t& next, std::optional<T>& dead) {
    if (next < tail_) {
      const std::uint64_t old = oldest();
      if (next < old) {
        const std::uint64_t missed = old - next;
        next = old;
        return recv_result_t::of_lagged(missed);
      }
      slot& s = at(next);
      recv_result_t r = recv_result_t::of(*s.value);  // may throw (copy): nothing changed
      ++next;
      if (--s.rem == 0) {
        dead.emplace(std::move(*s.value));
        s.value.reset();
      }
      return r;
    }
    if (closed_) return recv_result_t::of_closed();
    return std::nullopt;
  }

  // A receiver at `next` goes away: it will not read [next, tail).
  void leave_locked(std::uint64_t next, std::vector<T>& dead) {
    for (std::uint64_t p = std::max(next, oldest()); p < tail_; ++p) {
      slot& s = at(p);
      if (s.pos == p && s.value && --s.rem == 0) {
        dead.push_back(std::move(*s.value));
        s.value.reset();
      }
    }
    --rx_count_;
  }

  bool release_locked() noexcept { return rx_count_ == 0 && tx_count_ == 0; }
};

template <class T>
class broadcast_recv_waiter : public waiter {
 protected:
  broadcast_recv_waiter(broadcast_shared<T>* s, std::uint64_t* next) noexcept
      : s_(s), next_pos_(next) {}
  broadcast_recv_waiter(const broadcast_recv_waiter& o) noexcept
      : waiter(o), s_(o.s_), next_pos_(o.next_pos_) {}

  bool cancel() noexcept override {
    detail::sync_guard g(s_->lock_);
    if (!linked_) return false;
    s_->waiters_.remove(this);
    linked_ = false;
    return true;
  }
  // Nothing to give back: a woken receive reads its message in await_resume.

  friend struct broadcast_shared<T>;
  template <class>
  friend class edo::sync::broadcast::sender;
  broadcast_shared<T>* s_;
  std::uint64_t* next_pos_;  // the receiver's position
  bool linked_ = false;      // guarded by the lock
};

}  // namespace edo::detail

namespace edo::sync::broadcast {

template <class T>
class [[nodiscard]] recv_awaitable final : public detail::broadcast_recv_waiter<T> {
  using base = detail::broadcast_recv_waiter<T>;

 public:
  recv_awaitable(detail::broadcast_shared<T>* s, std::uint64_t* next) noexcept : base(s, next) {}

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    this->suspend(h);
    detail::broadcast_shared<T>& s = *this->s_;
    s.lock_.lock();
    if (*this->next_pos_ < s.tail_ || s.closed_) {
      s.lock_.unlock();
      return this->finish_inline();  // read in await_resume
    }
    this->linked_ = true;
    s.waiters_.push_back(this);
    s.lock_.unlock();
    return true;
  }
  // Reads under the lock (a message, lagged or closed: the receive was woken or found
  // something, so one of the three is there).
  recv_result<T> await_resume() {
    std::optional<T> dead;
    detail::sync_guard g(this->s_->lock_);
    std::optional<recv_result<T>> r = this->s_->read_locked(*this->next_pos_, dead);
    g.unlock();
    return std::move(*r);
  }
};

template <class T>
class sender {
 public:
  sender(const sender& o) noexcept : s_(o.s_) {
    detail::sync_guard g(s_->lock_);
    ++s_->tx_count_;
  }
  sender(sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  sender& operator=(sender o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~sender() {
    if (s_ == nullptr) return;
    detail::wake_batch wakes;
    s_->lock_.lock();
    const bool last = --s_->tx_count_ == 0;
    if (last) {
      s_->closed_ = true;
      while (auto* w = s_->waiters_.pop_front()) {
        w->linked_ = false;
        wakes.push(w);
      }
    }
    const bool free = s_->release_locked();
    s_->lock_.unlock();
    wakes.wake_all();
    if (free) delete s_;
  }

  // Sends `value` to every current receiver (never waits; the oldest message is
  // overwritten when the ring is full). Fails with the value back if there is no receiver.
  send_result<T> send(T value) {
    detail::wake_batch wakes;
    std::optional<T> dead;
    s_->lock_.lock();
    if (s_->rx_count_ == 0) {
      s_->lock_.unlock();
      return send_result<T>(send_status::closed, std::move(value));
    }
    auto& slot = s_->at(s_->tail_);
    if (slot.value) dead.emplace(std::move(*slot.value));  // overwritten: destroyed later
    slot.value.emplace(std::move(value));
    slot.pos = s_->tail_;
    slot.rem = s_->rx_count_;
    ++s_->tail_;
    while (auto* w = s_->waiters_.pop_front()) {
      w->linked_ = false;
      wakes.push(w);
    }
    s_->lock_.unlock();
    wakes.wake_all();
    return {};
  }

  // A receiver that gets every message sent from now on.
  receiver<T> subscribe() {
    detail::sync_guard g(s_->lock_);
    ++s_->rx_count_;
    return receiver<T>(s_, s_->tail_);
  }
  std::size_t receiver_count() const noexcept {
    detail::sync_guard g(s_->lock_);
    return s_->rx_count_;
  }
  // Messages held that some receiver has not seen.
  std::size_t len() const noexcept {
    detail::sync_guard g(s_->lock_);
    std::size_t n = 0;
    for (const auto& sl : s_->slots_) n += sl.value ? 1 : 0;
    return n;
  }
  bool same_channel(const sender& o) const noexcept { return s_ == o.s_; }

 private:
  template <class U>
  friend std::pair<sender<U>, receiver<U>> channel(std::size_t capacity);
  explicit sender(detail::broadcast_shared<T>* s) noexcept : s_(s) {}
  detail::broadcast_shared<T>* s_;
};

template <class T>
class receiver {
 public:
  receiver(receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)), next_(o.next_) {}
  receiver& operator=(receiver&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
      next_ = o.next_;
    }
    return *this;
  }
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;
  ~receiver() { reset(); }

  // The next message (a copy), lagged(n) if this receiver fell more than the capacity
  // behind, or closed once every sender is gone and everything was received.
  //
  // Cancel safety: this method is cancel safe: if cancelled, it is guaranteed that no
  // message was received (the receiver's position moves only when recv returns).
  recv_awaitable<T> recv() noexcept { return recv_awaitable<T>(s_, &next_); }

  // As recv(), without waiting: recv_status::empty when nothing new is there.
  recv_result<T> try_recv() {
    std::optional<T> dead;
    detail::sync_guard g(s_->lock_);
    std::optional<recv_result<T>> r = s_->read_locked(next_, dead);
    g.unlock();
    if (!r) return recv_result<T>::of_empty();
    return std::move(*r);
  }

  // A new receiver at the tail (it sees messages sent from now on).
  receiver resubscribe() const {
    detail::sync_guard g(s_->lock_);
    ++s_->rx_count_;
    return receiver(s_, s_->tail_);
  }
  // Messages this receiver has not seen yet (lagged ones included, up to the capacity).
  std::size_t len() const noexcept {
    detail::sync_guard g(s_->lock_);
    return static_cast<std::size_t>(s_->tail_ - std::max(next_, s_->oldest()));
  }
  bool is_empty() const noexcept { return len() == 0; }
  bool is_closed() const noexcept {
    detail::sync_guard g(s_->lock_);
    return s_->closed_;
  }

 private:
  friend class sender<T>;
  template <class U>
  friend std::pair<sender<U>, receiver<U>> channel(std::size_t capacity);
  receiver(detail::broadcast_shared<T>* s, std::uint64_t next) noexcept : s_(s), next_(next) {}
  void reset() noexcept {
    if (s_ == nullptr) return;
    std::vector<T> dead;
    dead.reserve(s_->slots_.size());  // before locking: leave_locked then cannot throw
    s_->lock_.lock();
    s_->leave_locked(next_, dead);
    const bool free = s_->release_locked();
    s_->lock_.unlock();
    if (free) delete s_;
    s_ = nullptr;
  }

  detail::broadcast_shared<T>* s_;
  std::uint64_t next_;  // position of the next message to read
};

// A channel retaining the last `capacity` messages (> 0; throws std::invalid_argument).
template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity) {
  if (capacity == 0) {
    throw std::invalid_argument("edo::sync::broadcast::channel: capacity must be greater than 0");
  }
  auto* s = new detail::broadcast_shared<T>(capacity);
  return {sender<T>(s), receiver<T>(s, 0)};
}

}  // namespace edo::sync::broadcast
