// edo::sync::mpsc — multi-producer, single-consumer channels (Tokio's tokio::sync::mpsc).
//
//   auto [tx, rx] = edo::sync::mpsc::channel<job>(64);   // bounded: send waits for room
//   auto tx2 = tx;                                        // senders are copyable (clones)
//   co_await tx.send(job{...});                           // → send_result<job>
//   while (std::optional<job> j = co_await rx.recv()) handle(*j);   // empty: all senders
//                                                                   // gone, queue drained
//   auto [utx, urx] = edo::sync::mpsc::unbounded_channel<event>();
//   utx.send(event{...});                                 // never waits
//
// Closing: when every sender is gone, recv() returns the buffered messages and then an
// empty optional. When the receiver is dropped or close()d, sends fail and hand the
// message back in their send_result (is_closed()); after close() the receiver can still
// drain what was buffered (and what outstanding permits send).
//
// Fairness: senders that wait for room are served first come, first served (sends and
// reserves in one queue); try_send never overtakes a waiting send. The room that a task's
// recv / recv_many free while senders wait is handed to them when that run of the task
// ends (it suspends, yields or finishes; a recv about to wait serves them first), all at
// once: one lock and one batch of wakes per run instead of one per message. try_recv, and
// receives outside a task, hand it over at once. A receiving task that computes for long
// after its receives without yielding therefore holds waiting senders back until it does
// (Tokio would wake them at once; such a task holds its worker back anyway).
//
// Costs: no lock while there is room: a send makes two atomic read-modify-writes (take a
// ticket, publish the slot), a receive one (free the slot); a sender that has to wait for
// room queues under a lock (see detail/mpsc_chan.hpp). A
// bounded channel allocates its ring (capacity rounded up to a power of two, at least 2)
// once, up front: no operation allocates afterwards. An unbounded channel has a ring of 32
// and an overflow queue that grows by doubling. Messages need a nothrow move constructor.
//
// Lifetimes: a sender or receiver must outlive the operations started on it, and a permit
// borrows the sender it came from (as Tokio's Permit<'_, T>). One receive at a time on a
// receiver (recv / recv_many; a second concurrent one aborts).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <edo/block_on.hpp>
#include <edo/sync/detail/mpsc_chan.hpp>
#include <edo/sync/send_result.hpp>
#include <edo/task.hpp>

namespace edo::sync::mpsc {

template <class T>
class sender;
template <class T>
class unbounded_sender;
template <class T>
class receiver;
// The receiving half of an unbounded channel has the same interface.
template <class T>
using unbounded_receiver = receiver<T>;
template <class T>
class reserve_awaitable;

// A slot reserved in a bounded channel: send() puts a message in it without waiting.
// Dropping it unused frees the slot. Borrows the sender it came from.
template <class T>
class [[nodiscard]] permit {
 public:
  permit(permit&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
  permit& operator=(permit&& o) noexcept {
    if (this != &o) {
      reset();
      ch_ = std::exchange(o.ch_, nullptr);
    }
    return *this;
  }
  permit(const permit&) = delete;
  permit& operator=(const permit&) = delete;
  ~permit() { reset(); }

  // Sends `value` into the reserved slot (never waits, never fails while the receiver
  // exists; dropped if the receiver is gone). Consumes the permit.
  void send(T value) && noexcept { std::exchange(ch_, nullptr)->permit_send(std::move(value)); }

 private:
  friend class sender<T>;
  friend class reserve_awaitable<T>;
  explicit permit(detail::mpsc_chan<T>* ch) noexcept : ch_(ch) {}
  void reset() noexcept {
    if (ch_ != nullptr) std::exchange(ch_, nullptr)->release_reservation();
  }
  detail::mpsc_chan<T>* ch_;
};

// The awaitable of sender::send: holds the message until it is sent.
template <class T>
class [[nodiscard]] send_awaitable final : public detail::mpsc_send_waiter<T> {
  using base = detail::mpsc_send_waiter<T>;

 public:
  template <class U>
  send_awaitable(detail::mpsc_chan<T>* ch, U&& v) : base(ch, std::forward<U>(v)) {}

  bool await_ready() noexcept {
    if (!this->try_now()) return false;
    if (this->consume_budget()) return true;
    ready_now_ = true;  // sent; resume at the next run
    return false;
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    this->suspend(h);
    if (ready_now_) {
      this->complete_now();
      return true;
    }
    return this->start();
  }
  send_result<T> await_resume() noexcept {
    if (this->status_ == base::status::closed) {
      this->status_ = base::status::idle;
      send_result<T> r(send_status::closed, std::move(*this->value_));
      this->value_.reset();
      return r;
    }
    return {};
  }

  // The message, if it was not sent: before awaiting, or after the await was cancelled
  // before the message went in (a named awaitable used as a select branch keeps its
  // message). Empty once sent or taken.
  std::optional<T> take_unsent() noexcept {
    if (this->status_ == base::status::done || !this->value_) return std::nullopt;
    std::optional<T> v(std::move(this->value_));
    this->value_.reset();
    return v;
  }

 private:
  bool ready_now_ = false;
};

template <class T>
class [[nodiscard]] reserve_awaitable final : public detail::mpsc_send_waiter<T> {
  using base = detail::mpsc_send_waiter<T>;

 public:
  explicit reserve_awaitable(detail::mpsc_chan<T>* ch) noexcept : base(ch, base::kind::reserve) {}
  bool await_ready() noexcept {
    if (!this->try_now()) return false;
    if (this->consume_budget()) return true;
    ready_now_ = true;  // reserved; resume at the next run (or give it back)
    return false;
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    this->suspend(h);
    if (ready_now_) {
      this->complete_now();
      return true;
    }
    return this->start();
  }
  std::optional<permit<T>> await_resume() noexcept;

 private:
  bool ready_now_ = false;
};

template <class T>
class [[nodiscard]] recv_awaitable final : public detail::mpsc_recv_waiter<T> {
 public:
  explicit recv_awaitable(detail::mpsc_chan<T>* ch) noexcept : detail::mpsc_recv_waiter<T>(ch) {}
  bool await_ready() noexcept {
    if (!this->ch_->ready()) return false;
    if (this->consume_budget()) return true;  // taken in await_resume
    yield_ = true;  // taken at the next run (nothing taken if cancelled meanwhile)
    return false;
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    this->suspend(h);
    if (yield_) {
      this->complete_now();
      return true;
    }
    return this->start();
  }
  std::optional<T> await_resume() noexcept { return this->take(); }

 private:
  bool yield_ = false;
};

template <class T>
class [[nodiscard]] recv_many_awaitable final : public detail::mpsc_recv_waiter<T> {
  using base = detail::mpsc_recv_waiter<T>;

 public:
  recv_many_awaitable(detail::mpsc_chan<T>* ch, std::vector<T>& out, std::size_t limit) noexcept
      : base(ch), out_(&out), limit_(limit) {}

  // Takes what is published now. May throw (growing the vector) before taking anything.
  bool await_ready() {
    if (limit_ == 0) return true;
    if (!this->ch_->ready()) return false;
    if (!this->consume_budget()) {
      yield_ = true;  // take them at the next run (nothing taken if cancelled meanwhile)
      return false;
    }
    got_ = take_published();
    return true;
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    this->suspend(h);
    if (yield_) {
      this->complete_now();
      return true;
    }
    return this->start();
  }
  // May throw growing the vector: nothing is taken then.
  std::size_t await_resume() {
    if (limit_ == 0 || got_ > 0) return got_;
    if (!this->head_ready()) return 0;  // closed and drained
    return take_published();
  }

 private:
  // Precondition: the head message is published (so len() >= 1).
  std::size_t take_published() {
    const std::size_t n = std::min(limit_, this->ch_->len());
    out_->reserve(out_->size() + n);
    return this->ch_->drain_into(*out_, n);
  }

  std::vector<T>* out_;
  std::size_t limit_;
  std::size_t got_ = 0;
  bool yield_ = false;
};

template <class T>
class closed_awaitable final : public detail::mpsc_closed_waiter<T> {
 public:
  using detail::mpsc_closed_waiter<T>::mpsc_closed_waiter;
};

// The sending half of a bounded channel. Copying makes another sender of the same channel.
template <class T>
class sender {
 public:
  sender(const sender& o) noexcept : ch_(o.ch_) {
    if (ch_ != nullptr) ch_->add_sender();
  }
  sender(sender&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
  sender& operator=(sender o) noexcept {
    std::swap(ch_, o.ch_);
    return *this;
  }
  ~sender() {
    if (ch_ != nullptr) ch_->drop_sender();
  }

  // Sends `value`, waiting for room. Returns ok, or closed with the value when the
  // receiver is gone or closed.
  //
  // Cancel safety: if send is cancelled (a select's other branch won) before the message
  // went in, the message was not sent and stays in the awaitable (take_unsent() on a named
  // awaitable gets it back); if the message went in first, it was sent — never both,
  // never lost. This method uses a queue: cancelling it loses the place in the queue. To
  // send without the risk of losing a message held by a temporary awaitable, reserve()
  // first and send through the permit.
  send_awaitable<T> send(T value) { return send_awaitable<T>(ch_, std::move(value)); }

  // Sends now if there is room: ok, or full / closed with the value back.
  send_result<T> try_send(T value) {
    using st = typename detail::mpsc_chan<T>::send_status_t;
    switch (ch_->try_send(value)) {
      case st::ok:
        return {};
      case st::full:
        return send_result<T>(send_status::full, std::move(value));
      default:
        return send_result<T>(send_status::closed, std::move(value));
    }
  }

  // Waits for room and reserves one slot: the permit sends into it without waiting. Empty
  // once the receiver is gone or closed.
  //
  // Cancel safety: this channel uses a queue to ensure that calls to send and reserve
  // complete in the order they were requested. Cancelling a call to reserve makes you
  // lose your place in the queue; a slot reserved for a cancelled call is freed.
  reserve_awaitable<T> reserve() noexcept { return reserve_awaitable<T>(ch_); }
  // Reserves a slot now if there is room; empty when full or closed (is_closed() tells).
  std::optional<permit<T>> try_reserve() noexcept {
    if (ch_->try_reserve() != detail::mpsc_chan<T>::send_status_t::ok) return std::nullopt;
    return permit<T>(ch_);
  }

  // Completes once the receiver is dropped or closed.
  //
  // Cancel safety: cancel safe. Once the channel is closed it stays closed and every later
  // call completes at once.
  closed_awaitable<T> closed() noexcept { return closed_awaitable<T>(ch_); }
  bool is_closed() const noexcept { return ch_->rx_closed(); }

  // Free slots now, and the channel's capacity.
  std::size_t capacity() const noexcept { return ch_->room(); }
  std::size_t max_capacity() const noexcept { return ch_->max_capacity(); }
  bool same_channel(const sender& o) const noexcept { return ch_ == o.ch_; }

  // send() for code outside any task (a plain thread): blocks the thread. Throws
  // std::logic_error when called from inside a task.
  send_result<T> blocking_send(T value) {
    return edo::block_on(blocking_send_task(*this, std::move(value)));
  }

 private:
  template <class U>
  friend std::pair<sender<U>, receiver<U>> channel(std::size_t capacity);
  friend class reserve_awaitable<T>;
  explicit sender(detail::mpsc_chan<T>* ch) noexcept : ch_(ch) {}
  static task<send_result<T>> blocking_send_task(sender& s, T value) {
    co_return co_await s.send(std::move(value));
  }

  detail::mpsc_chan<T>* ch_;
};

template <class T>
std::optional<permit<T>> reserve_awaitable<T>::await_resume() noexcept {
  if (this->status_ != base::status::done) return std::nullopt;
  this->status_ = base::status::idle;  // consumed: give_back has nothing to release
  return permit<T>(this->ch_);
}

// The sending half of an unbounded channel: send never waits.
template <class T>
class unbounded_sender {
 public:
  unbounded_sender(const unbounded_sender& o) noexcept : ch_(o.ch_) {
    if (ch_ != nullptr) ch_->add_sender();
  }
  unbounded_sender(unbounded_sender&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
  unbounded_sender& operator=(unbounded_sender o) noexcept {
    std::swap(ch_, o.ch_);
    return *this;
  }
  ~unbounded_sender() {
    if (ch_ != nullptr) ch_->drop_sender();
  }

  // Queues `value` (never waits): ok, or closed with the value back. Throws
  // std::bad_alloc if the queue cannot grow (nothing is sent then).
  send_result<T> send(T value) {
    if (ch_->try_send(value) == detail::mpsc_chan<T>::send_status_t::ok) return {};
    return send_result<T>(send_status::closed, std::move(value));
  }

  // Completes once the receiver is dropped or closed. Cancel safety: cancel safe.
  closed_awaitable<T> closed() noexcept { return closed_awaitable<T>(ch_); }
  bool is_closed() const noexcept { return ch_->rx_closed(); }
  bool same_channel(const unbounded_sender& o) const noexcept { return ch_ == o.ch_; }

 private:
  template <class U>
  friend std::pair<unbounded_sender<U>, receiver<U>> unbounded_channel();
  explicit unbounded_sender(detail::mpsc_chan<T>* ch) noexcept : ch_(ch) {}
  detail::mpsc_chan<T>* ch_;
};

// The receiving half (bounded or unbounded). Movable, not copyable.
template <class T>
class receiver {
 public:
  receiver(receiver&& o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
  receiver& operator=(receiver&& o) noexcept {
    if (this != &o) {
      reset();
      ch_ = std::exchange(o.ch_, nullptr);
    }
    return *this;
  }
  receiver(const receiver&) = delete;
  receiver& operator=(const receiver&) = delete;
  // Closes the channel and destroys the buffered messages.
  ~receiver() { reset(); }

  // The next message; empty once every sender is gone (or close() was called) and the
  // queue is drained.
  //
  // Cancel safety: this method is cancel safe. If recv is cancelled (a select's other
  // branch won), it is guaranteed that no message was received: a message leaves the
  // channel only when the receive completes.
  recv_awaitable<T> recv() noexcept { return recv_awaitable<T>(ch_); }

  // Appends up to `limit` messages to `buf`, waiting for at least one; returns how many.
  // 0 means the channel is closed and drained (or limit is 0).
  //
  // Cancel safety: this method is cancel safe: if cancelled, no message was received
  // (none was appended to `buf`).
  recv_many_awaitable<T> recv_many(std::vector<T>& buf, std::size_t limit) noexcept {
    return recv_many_awaitable<T>(ch_, buf, limit);
  }

  // A message now, if one is buffered. Empty: the queue is empty, or the channel is also
  // closed (is_closed() && is_empty(): nothing will ever come).
  std::optional<T> try_recv() noexcept { return ch_->try_recv(); }

  // Closes the channel: sends fail from now on, waiting senders get their messages back.
  // Buffered messages (and those sent by outstanding permits) can still be received.
  void close() noexcept { ch_->close_rx(false); }
  // True once every sender is gone or close() was called (buffered messages may remain).
  bool is_closed() const noexcept { return ch_->closed_any(); }
  bool is_empty() const noexcept { return ch_->len() == 0; }
  std::size_t len() const noexcept { return ch_->len(); }

  // recv() for code outside any task (a plain thread): blocks the thread. Throws
  // std::logic_error when called from inside a task.
  std::optional<T> blocking_recv() { return edo::block_on(blocking_recv_task(*this)); }

 private:
  template <class U>
  friend std::pair<sender<U>, receiver<U>> channel(std::size_t capacity);
  template <class U>
  friend std::pair<unbounded_sender<U>, receiver<U>> unbounded_channel();
  explicit receiver(detail::mpsc_chan<T>* ch) noexcept : ch_(ch) {}
  void reset() noexcept {
    if (ch_ != nullptr) std::exchange(ch_, nullptr)->drop_receiver();
  }
  static task<std::optional<T>> blocking_recv_task(receiver& r) { co_return co_await r.recv(); }

  detail::mpsc_chan<T>* ch_;
};

// A bounded channel of `capacity` messages (> 0; throws std::invalid_argument otherwise;
// at most 2^30 - 1, std::length_error above).
// The ring is allocated here, once.
template <class T>
std::pair<sender<T>, receiver<T>> channel(std::size_t capacity) {
  if (capacity == 0) {
    throw std::invalid_argument("edo::sync::mpsc::channel: capacity must be greater than 0");
  }
  auto* ch = new detail::mpsc_chan<T>(capacity);
  return {sender<T>(ch), receiver<T>(ch)};
}

// An unbounded channel: sends never wait; the queue grows as needed (and never shrinks).
template <class T>
std::pair<unbounded_sender<T>, receiver<T>> unbounded_channel() {
  auto* ch = new detail::mpsc_chan<T>(detail::mpsc_chan<T>::unbounded);
  return {unbounded_sender<T>(ch), receiver<T>(ch)};
}

}  // namespace edo::sync::mpsc
