// The shared state of an edo::sync::mpsc channel and the leaves that wait on it.
//
// Layout: one heap block per channel: the lock, a ring of messages (bounded: capacity + 1
// slots allocated up front; unbounded: grown by doubling), the FIFO of waiting senders
// (send and reserve operations, intrusive nodes living in the awaiters), the one waiting
// receive, and the list of sender::closed() waiters. Steady-state operations on a bounded
// channel allocate nothing.
//
// Invariants (under lock_):
//  * room: unbounded, or buf_.size() + reserved_ < cap_. Whenever room appears (a receive,
//    a permit used or dropped) the waiting senders are served in order, so a non-empty
//    senders_ list means there is no room: a try_send or a new send never overtakes a
//    waiting one.
//  * rx_waiter_ != null only while buf_ is empty: a message for a waiting receive is handed
//    to it directly (written into its node) instead of going through the ring.
//  * A message handed to a receive whose strand is then cancelled goes back to the front
//    of the ring (give_back). There is at most one such message (one receiver), hence the
//    spare slot: size() <= cap_ + 1 <= ring capacity. The unbounded ring keeps one spare
//    slot as well, so give_back never allocates.
//  * The receive side is done (recv returns empty) when the ring is empty, no permit is
//    outstanding, and the senders are all gone or the receiver closed.
//
// Handles: tx_count_ counts sender handles; refs_ holds one reference for all senders
// together and one for the receiver: the block is freed when both sides are gone.
// Permits borrow their sender (as Tokio's Permit<'_, T> does).
//
// Values are never destroyed under the lock (a message may own a sender of this very
// channel): they are moved out and destroyed after unlocking.
//
// Atomic read-modify-writes per operation (each ~5-6 ns here): a send or a receive that
// completes at once takes the lock (one CAS; the unlock is a plain store) after a relaxed
// load of the hint; handing a message to a waiting receive or room to a waiting send adds
// that waiter's wake (one CAS on its task's state word). One that must wait takes the lock
// once, in await_suspend, to register (the hint spared await_ready a locked check). No
// allocation, no virtual call except the leaf's cancel/give_back.
#pragma once

#include <algorithm>
#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/ring.hpp>
#include <edo/sync/detail/waiter.hpp>

namespace edo::detail {

template <class T>
class mpsc_chan;

// A receive (recv or recv_many) waiting for a message.
template <class T>
class mpsc_recv_waiter : public waiter {
 protected:
  explicit mpsc_recv_waiter(mpsc_chan<T>* ch) noexcept : ch_(ch) {}
  mpsc_recv_waiter(const mpsc_recv_waiter& o) noexcept : waiter(o), ch_(o.ch_) {}
  ~mpsc_recv_waiter() = default;

  enum class status : std::uint8_t {
    idle,     // not started, or the result was consumed
    waiting,  // registered as the channel's rx_waiter_ (guarded by its lock)
    value,    // value_ holds a message
    closed,   // the channel is closed and drained
  };

  // For await_ready: if a message is probably there, take it under the lock. True if one
  // was taken (status value).
  bool try_take() noexcept {
    mpsc_chan<T>& ch = *ch_;
    if (!ch.hint(mpsc_chan<T>::hint_msgs)) return false;
    wake_batch wakes;
    ch.lock_.lock();
    if (ch.buf_.empty()) {
      ch.unlock();
      return false;
    }
    value_.emplace(ch.buf_.pop_front());
    status_ = status::value;
    ch.serve_senders_locked(wakes);
    ch.unlock();
    wakes.wake_all();
    return true;
  }

  // After suspend(): take a message, or register. The value for await_suspend.
  bool start() noexcept {
    wake_batch wakes;
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    if (!ch.buf_.empty()) {
      value_.emplace(ch.buf_.pop_front());
      status_ = status::value;
      ch.serve_senders_locked(wakes);
      ch.unlock();
      wakes.wake_all();
      return finish_inline();
    }
    if (ch.rx_done_locked()) {
      status_ = status::closed;
      ch.unlock();
      return finish_inline();
    }
    if (ch.rx_waiter_ != nullptr) std::abort();  // precondition: one receive at a time
    status_ = status::waiting;
    ch.rx_waiter_ = this;
    ch.unlock();
    return true;
  }

  bool cancel() noexcept override {
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    if (ch.rx_waiter_ != this) {
      ch.unlock();
      return false;  // a message or the close was handed to us: the wake is coming
    }
    ch.rx_waiter_ = nullptr;
    status_ = status::idle;
    ch.unlock();
    return true;
  }

  // A message handed to us but never consumed goes back to the front of the queue.
  void give_back() noexcept override {
    if (status_ != status::value) return;
    status_ = status::idle;
    ch_->push_front(std::move(*value_));
    value_.reset();
  }

  std::optional<T> take() noexcept {
    if (status_ != status::value) return std::nullopt;
    status_ = status::idle;
    std::optional<T> v(std::move(value_));
    value_.reset();
    return v;
  }

  friend class mpsc_chan<T>;
  mpsc_chan<T>* ch_;
  std::optional<T> value_;  // written by the sender that hands a message over
  status status_ = status::idle;
};

// A send or a reserve waiting for room.
template <class T>
class mpsc_send_waiter : public waiter {
 protected:
  enum class kind : std::uint8_t { send, reserve };
  enum class status : std::uint8_t {
    idle,     // not started, or the result was consumed
    waiting,  // in the channel's senders_ list (guarded by its lock)
    done,     // sent (value_ is moved-from), or a slot was reserved for us
    closed,   // the receiver is gone or closed: value_ still holds the message
  };

  mpsc_send_waiter(mpsc_chan<T>* ch, kind k) noexcept : ch_(ch), kind_(k) {}
  template <class U>
  mpsc_send_waiter(mpsc_chan<T>* ch, U&& v)
      : ch_(ch), value_(std::forward<U>(v)), kind_(kind::send) {}
  mpsc_send_waiter(const mpsc_send_waiter& o)
      : waiter(o), ch_(o.ch_), value_(o.value_), kind_(o.kind_) {}
  mpsc_send_waiter(mpsc_send_waiter&& o) noexcept
      : waiter(o), ch_(o.ch_), value_(std::move(o.value_)), kind_(o.kind_) {}
  ~mpsc_send_waiter() = default;

  // For await_ready: if there is probably room (and the channel is open), send / reserve
  // under the lock. True if done (status done).
  bool try_now() noexcept {
    mpsc_chan<T>& ch = *ch_;
    if (!ch.hint(mpsc_chan<T>::hint_room)) return false;
    wake_batch wakes;
    ch.lock_.lock();
    if (ch.rx_closed_ || !ch.has_room_locked()) {
      ch.unlock();
      return false;
    }
    if (kind_ == kind::send) {
      ch.deliver_locked(std::move(*value_), wakes);
    } else {
      ++ch.reserved_;
    }
    status_ = status::done;
    ch.unlock();
    wakes.wake_all();
    return true;
  }

  // After suspend(): send / reserve now, or queue. The value for await_suspend.
  bool start() noexcept {
    wake_batch wakes;
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    if (ch.rx_closed_) {
      status_ = status::closed;
      ch.unlock();
      return finish_inline();
    }
    if (ch.has_room_locked()) {
      if (kind_ == kind::send) {
        ch.deliver_locked(std::move(*value_), wakes);
      } else {
        ++ch.reserved_;
      }
      status_ = status::done;
      ch.unlock();
      wakes.wake_all();
      return finish_inline();
    }
    status_ = status::waiting;
    ch.senders_.push_back(this);
    ch.unlock();
    return true;
  }

  bool cancel() noexcept override {
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    if (status_ != status::waiting) {
      ch.unlock();
      return false;  // sent, reserved or closed: the wake is coming
    }
    ch.senders_.remove(this);
    status_ = status::idle;
    ch.unlock();
    return true;  // the message stays in value_
  }

  // A reservation made for us but never consumed is released. A message that was sent
  // stays sent (it is in the channel); one rejected as closed stays in value_.
  void give_back() noexcept override {
    if (kind_ == kind::reserve && status_ == status::done) {
      status_ = status::idle;
      ch_->release_reservation();
    }
  }

  friend class mpsc_chan<T>;
  mpsc_chan<T>* ch_;
  std::optional<T> value_;
  kind kind_;
  status status_ = status::idle;
};

// sender::closed(): waits until the receiver is closed or dropped.
template <class T>
class mpsc_closed_waiter : public waiter {
 public:
  explicit mpsc_closed_waiter(mpsc_chan<T>* ch) noexcept : ch_(ch) {}
  mpsc_closed_waiter(const mpsc_closed_waiter& o) noexcept : waiter(o), ch_(o.ch_) {}

  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    if (ch.rx_closed_) {
      ch.unlock();
      return finish_inline();
    }
    linked_ = true;
    ch.closed_waiters_.push_back(this);
    ch.unlock();
    return true;
  }
  void await_resume() const noexcept {}

 private:
  friend class mpsc_chan<T>;
  bool cancel() noexcept override {
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    const bool was = linked_;
    if (was) {
      ch.closed_waiters_.remove(this);
      linked_ = false;
    }
    ch.unlock();
    return was;
  }

  mpsc_chan<T>* ch_;
  bool linked_ = false;  // guarded by the channel's lock
};

template <class T>
class mpsc_chan {
 public:
  static constexpr std::size_t unbounded = 0;
  enum class send_status_t : std::uint8_t { ok, full, closed };

  // `cap` messages (bounded), or unbounded.
  explicit mpsc_chan(std::size_t cap) : cap_(cap), buf_(cap == unbounded ? 16 : cap + 1) {}
  mpsc_chan(const mpsc_chan&) = delete;
  mpsc_chan& operator=(const mpsc_chan&) = delete;

  // ---- handles ----
  void add_sender() noexcept {
    // ordering: a new handle is made from an existing one; nothing to publish.
    tx_count_.fetch_add(1, std::memory_order_relaxed);
  }
  void drop_sender() noexcept {
    // ordering: acq_rel: the last sender's close sees every sender's use.
    if (tx_count_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      close_tx();
      release_ref();
    }
  }
  void drop_receiver() noexcept {
    close_rx(true);
    release_ref();
  }

  // ---- the lock and the hint ----
  // Releases the lock, first publishing the hint for the lock-free checks in await_ready.
  void unlock() noexcept {
    std::uint8_t h = buf_.empty() ? 0 : hint_msgs;
    if (!rx_closed_ && has_room_locked()) h |= hint_room;
    // ordering: relaxed: only a hint; the operations re-check under the lock.
    hint_.store(h, std::memory_order_relaxed);
    lock_.unlock();
  }
  // Whether a receive (msgs) or a send (room) would probably complete at once.
  bool hint(std::uint8_t bit) const noexcept {
    // ordering: relaxed: a hint; the operation re-checks under the lock.
    return (hint_.load(std::memory_order_relaxed) & bit) != 0;
  }
  static constexpr std::uint8_t hint_msgs = 1;  // the ring holds messages
  static constexpr std::uint8_t hint_room = 2;  // open, with room for a send

  // ---- operations ----
  bool has_room_locked() const noexcept {
    return cap_ == unbounded || buf_.size() + reserved_ < cap_;
  }
  // recv returns empty: nothing buffered, no permit outstanding, and no sender left or
  // the receiver closed.
  bool rx_done_locked() const noexcept {
    return buf_.empty() && reserved_ == 0 && (tx_closed_ || rx_closed_);
  }

  // A message to the waiting receive, else to the ring. Precondition: room (bounded).
  void deliver_locked(T&& v, wake_batch& wakes) noexcept {
    if (mpsc_recv_waiter<T>* r = rx_waiter_) {
      rx_waiter_ = nullptr;
      r->value_.emplace(std::move(v));
      r->status_ = mpsc_recv_waiter<T>::status::value;
      wakes.push(r);
    } else {
      buf_.push_back(std::move(v));
    }
  }

  // Room appeared: serve waiting senders in order.
  void serve_senders_locked(wake_batch& wakes) noexcept {
    while (!senders_.empty() && has_room_locked()) {
      mpsc_send_waiter<T>* s = senders_.pop_front();
      if (s->kind_ == mpsc_send_waiter<T>::kind::send) {
        deliver_locked(std::move(*s->value_), wakes);
      } else {
        ++reserved_;
      }
      s->status_ = mpsc_send_waiter<T>::status::done;
      wakes.push(s);
    }
  }

  void wake_rx_if_done_locked(wake_batch& wakes) noexcept {
    if (rx_waiter_ != nullptr && rx_done_locked()) {
      mpsc_recv_waiter<T>* r = rx_waiter_;
      rx_waiter_ = nullptr;
      r->status_ = mpsc_recv_waiter<T>::status::closed;
      wakes.push(r);
    }
  }

  // give_back of a receive: the message goes back to the front.
  void push_front(T&& v) noexcept {
    lock_.lock();
    if (rx_dropped_) {
      unlock();
      return;  // nobody will ever receive it; the caller destroys it
    }
    buf_.push_front(std::move(v));
    unlock();
  }

  // A permit sends: its reserved slot becomes a message.
  void permit_send(T&& v) noexcept {
    wake_batch wakes;
    std::optional<T> dropped;
    lock_.lock();
    --reserved_;
    if (rx_dropped_) {
      dropped.emplace(std::move(v));  // destroyed after unlocking
    } else {
      deliver_locked(std::move(v), wakes);
      serve_senders_locked(wakes);  // a direct hand-off leaves the slot free
    }
    unlock();
    wakes.wake_all();
  }

  // A permit is dropped unused, or a reservation given back.
  void release_reservation() noexcept {
    wake_batch wakes;
    lock_.lock();
    --reserved_;
    serve_senders_locked(wakes);
    wake_rx_if_done_locked(wakes);
    unlock();
    wakes.wake_all();
  }

  // Synchronous send (try_send, unbounded send).
  template <class U>
  send_status_t try_send(U& v) {
    wake_batch wakes;
    lock_.lock();
    if (rx_closed_) {
      unlock();
      return send_status_t::closed;
    }
    if (!has_room_locked()) {
      unlock();
      return send_status_t::full;
    }
    if (cap_ == unbounded && buf_.size() + 2 > buf_.capacity()) {
      // Keep a spare slot for give_back. May throw bad_alloc: nothing sent.
      try {
        buf_.reserve(buf_.capacity() * 2);
      } catch (...) {
        unlock();
        throw;
      }
    }
    deliver_locked(std::move(v), wakes);
    unlock();
    wakes.wake_all();
    return send_status_t::ok;
  }

  std::optional<T> try_recv() noexcept {
    wake_batch wakes;
    lock_.lock();
    if (buf_.empty()) {
      unlock();
      return std::nullopt;
    }
    std::optional<T> v(buf_.pop_front());
    serve_senders_locked(wakes);
    unlock();
    wakes.wake_all();
    return v;
  }

  // Number of buffered messages (a snapshot).
  std::size_t len() noexcept {
    sync_guard g(lock_);
    return buf_.size();
  }
  // Takes up to `n` buffered messages into `out` (capacity reserved by the caller).
  // Precondition: only the receiver calls it.
  std::size_t drain_into(std::vector<T>& out, std::size_t n) noexcept {
    wake_batch wakes;
    lock_.lock();
    n = std::min(n, buf_.size());
    for (std::size_t i = 0; i < n; ++i) out.push_back(buf_.pop_front());
    if (n > 0) serve_senders_locked(wakes);
    unlock();
    wakes.wake_all();
    return n;
  }

  bool rx_closed() noexcept {
    sync_guard g(lock_);
    return rx_closed_;
  }
  bool closed_any() noexcept {
    sync_guard g(lock_);
    return tx_closed_ || rx_closed_;
  }
  bool rx_done() noexcept {
    sync_guard g(lock_);
    return rx_done_locked();
  }
  // Room for how many more messages now (bounded), for sender::capacity().
  std::size_t room() noexcept {
    sync_guard g(lock_);
    const std::size_t used = buf_.size() + reserved_;
    return used >= cap_ ? 0 : cap_ - used;
  }
  std::size_t max_capacity() const noexcept { return cap_; }

  // Sync try_reserve.
  send_status_t try_reserve() noexcept {
    lock_.lock();
    send_status_t r = send_status_t::ok;
    if (rx_closed_) {
      r = send_status_t::closed;
    } else if (!has_room_locked()) {
      r = send_status_t::full;
    } else {
      ++reserved_;
    }
    unlock();
    return r;
  }

  // The receiver closes (close()) or goes away (drop): senders fail from now on.
  void close_rx(bool dropped) noexcept {
    wake_batch wakes;
    ring<T> dead;
    lock_.lock();
    rx_closed_ = true;
    while (mpsc_send_waiter<T>* s = senders_.pop_front()) {
      s->status_ = mpsc_send_waiter<T>::status::closed;
      wakes.push(s);
    }
    while (mpsc_closed_waiter<T>* c = closed_waiters_.pop_front()) {
      c->linked_ = false;
      wakes.push(c);
    }
    if (dropped) {
      rx_dropped_ = true;
      dead = std::move(buf_);  // the messages are destroyed after unlocking
    }
    unlock();
    wakes.wake_all();
  }

 private:
  template <class>
  friend class mpsc_recv_waiter;
  template <class>
  friend class mpsc_send_waiter;
  template <class>
  friend class mpsc_closed_waiter;

  void close_tx() noexcept {
    wake_batch wakes;
    lock_.lock();
    tx_closed_ = true;
    wake_rx_if_done_locked(wakes);
    unlock();
    wakes.wake_all();
  }
  void release_ref() noexcept {
    // ordering: acq_rel: the last side to leave sees the other side's writes before it
    // frees the block.
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  sync_lock lock_;
  const std::size_t cap_;
  std::size_t reserved_ = 0;  // slots promised to outstanding permits
  ring<T> buf_;
  wait_list<mpsc_send_waiter<T>> senders_;
  mpsc_recv_waiter<T>* rx_waiter_ = nullptr;
  wait_list<mpsc_closed_waiter<T>> closed_waiters_;
  bool rx_closed_ = false;   // close() or the receiver dropped: sends fail
  bool rx_dropped_ = false;  // the receiver is gone: buffered messages were destroyed
  bool tx_closed_ = false;   // every sender is gone
  // hint_msgs | hint_room as of the last unlock (a hint: never trusted without the lock).
  std::atomic<std::uint8_t> hint_{hint_room};
  alignas(cache_line) std::atomic<std::size_t> tx_count_{1};
  std::atomic<std::uint32_t> refs_{2};  // all senders together + the receiver
};

}  // namespace edo::detail
