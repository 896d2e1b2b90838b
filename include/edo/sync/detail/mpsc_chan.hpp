// The shared state of an edo::sync::mpsc channel and the leaves that wait on it.
//
// Tokio's design (a semaphore for capacity, a lock-free queue for the messages, a waker
// for the one receiver), with a ring of slots for the queue. Per message, a sender that
// finds room makes two atomic read-modify-writes — one CAS taking a unit of capacity and a
// ticket together, one exchange publishing its slot — and the receiver one (returning the
// unit), plus one to register when it has to wait; nobody takes a lock. The lock guards only
// the queue of senders waiting for room (and the overflow of an unbounded channel), and is
// taken only when such a queue exists.
//
// The parts (one heap block per channel, the ring allocated with it):
//
//  * state_: closed | waiting << 1 | free units << 2 (30 bits) | next ticket << 32. A send
//    takes a unit and a ticket in one CAS; a reserve takes a unit, and its permit's send
//    takes a ticket later (fetch_add); a receive gives its unit back after taking the
//    message out; a permit dropped unused gives its unit back. `waiting` is set (under
//    lock_) while senders wait for room (bounded) or messages wait in the overflow
//    (unbounded); while it is set the fast paths fail, so nobody overtakes the queue, and
//    returned units go to the queue's head under lock_ instead: the receiver publishes
//    each served sender's message itself, and one fetch_add takes their tickets, returns
//    the units left over and clears `waiting` when the queue empties (the bit changes only
//    under lock_). `closed`: the receiver closed or dropped; acquisitions fail.
//  * The ring: ring_size_ slots (a power of two >= capacity, at least 2), each a stamp and
//    room for one T (Vyukov's bounded queue). The holder of ticket t writes slot t % size and
//    sets its stamp to t + 1: published. The receiver's next slot is ready when its stamp is
//    head_ + 1; taking it sets the stamp to head_ + ring_size_. Units guarantee a ticket's
//    slot is free (at most `capacity` tickets are outstanding and a unit comes back only
//    after its slot was freed); the sender still checks the stamp (an acquire load), which
//    orders its write after the receiver's read. Tickets and stamps are 32-bit and wrap.
//  * Unbounded channels have a ring of 32 and `capacity` 32: a send that finds no unit
//    appends to overflow_ (under lock_, growing it) and sets `waiting`; each unit the
//    receiver returns moves the overflow's head into the ring. FIFO holds: while overflow
//    holds messages, every send goes behind them.
// Cancellation: messages leave the ring only when the receiver takes them, so a cancelled
// receive loses nothing and has nothing to give back. A cancelled waiting send leaves the
// queue with its message; a cancelled reserve whose unit was already assigned returns it.
//
// Closing: the last sender's drop sets tx_closed_ and wakes a waiting receiver. The
// receiver's close sets `closed` and fails the waiting senders; after it, recv still returns
// what is buffered and what outstanding permits send, then empty once every unit is back.
// The receiver's drop also destroys the buffered messages: it marks rx_dropped_ and empties
// the ring under lock_ (a sender that publishes after that and sees rx_dropped_ empties it
// too), so a message that owns a sender of its own channel cannot keep the channel alive.
//
// Values are never destroyed under the lock (a message may own a sender of this very
// channel). Handles: tx_count_ counts sender handles; refs_ holds one reference for all
// senders together and one for the receiver: the block is freed when both sides are gone.
// Permits borrow their sender (as Tokio's Permit<'_, T> does).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include <edo/detail/config.hpp>
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

  // After suspend(): a message or the end are there now (then finish inline), or register
  // as the waiting receiver on the head slot. The value for await_suspend.
  bool start() noexcept {
    mpsc_chan<T>& ch = *ch_;
    // (await_ready found no message: go straight to the flag, whose CAS fails if one was
    // published since; the closing state is checked after it.)
    ch.rx_waiter_ = this;  // published by the CAS below
    // The head slot's stamp is `h` (not yet published) or `h + 1` (published since).
    const std::uint32_t h = ch.head_.load(std::memory_order_relaxed);
    std::atomic<std::uint64_t>& stamp = ch.slots_[h & ch.mask_].stamp;
    std::uint64_t expected = h;
    // ordering: seq_cst: registers the wait where the head's sender publishes (its exchange
    // sees the flag), and the receiving side of the Dekker with the closers (rx_done()).
    if (!stamp.compare_exchange_strong(expected, h | mpsc_chan<T>::stamp_wait,
                                       std::memory_order_seq_cst)) {
      return finish_inline();  // published meanwhile
    }
    if (ch.rx_done()) {
      expected = h | mpsc_chan<T>::stamp_wait;
      if (stamp.compare_exchange_strong(expected, h, std::memory_order_seq_cst)) {
        return finish_inline();
      }
      // A sender or a closer took the wait: its wake comes.
    }
    return true;
  }

  bool cancel() noexcept override {
    mpsc_chan<T>& ch = *ch_;
    const std::uint32_t h = ch.head_.load(std::memory_order_relaxed);
    std::uint64_t expected = h | mpsc_chan<T>::stamp_wait;
    // ordering: acq_rel: either we withdraw the wait, or the sender of the head slot or a
    // closer took it and its wake comes. (Not waiting at all, after an inline finish or a
    // yield: the CAS fails as well, and the completion is already queued.)
    return ch.slots_[h & ch.mask_].stamp.compare_exchange_strong(expected, h,
                                                                 std::memory_order_acq_rel);
  }

  // After a wake, a yield or an inline finish: true if a message is published at the head,
  // false if the channel is done (a wake comes only with one of the two).
  bool head_ready() noexcept {
    if (ch_->ready()) return true;
    if (ch_->rx_done()) return false;
    std::abort();  // unreachable: see above
  }

  // The message at the head, or empty when the channel is done.
  std::optional<T> take() noexcept {
    if (!head_ready()) return std::nullopt;
    return ch_->pop_and_release();
  }

  friend class mpsc_chan<T>;
  mpsc_chan<T>* ch_;
};

// A send or a reserve waiting for room.
template <class T>
class mpsc_send_waiter : public waiter {
 protected:
  enum class kind : std::uint8_t { send, reserve };
  enum class status : std::uint8_t {
    idle,     // not started, or the result was consumed
    waiting,  // in the channel's senders_ list (guarded by its lock)
    done,     // sent (value_ is moved-from), or a unit was reserved for us
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

  // For await_ready: send / reserve now if a unit is free and nobody waits. True if done.
  bool try_now() noexcept {
    std::uint32_t ticket = 0;
    if (ch_->try_acquire(kind_ == kind::send, ticket) != mpsc_chan<T>::send_status_t::ok) {
      return false;
    }
    complete_acquired(ticket);
    return true;
  }

  // After suspend(): send / reserve now, or queue. The value for await_suspend.
  bool start() noexcept {
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    std::uint32_t ticket = 0;
    switch (ch.acquire_or_wait_locked(kind_ == kind::send, ticket)) {
      case mpsc_chan<T>::send_status_t::ok:
        ch.lock_.unlock();
        complete_acquired(ticket);
        return finish_inline();
      case mpsc_chan<T>::send_status_t::closed:
        status_ = status::closed;
        ch.lock_.unlock();
        return finish_inline();
      case mpsc_chan<T>::send_status_t::full:
        break;
    }
    status_ = status::waiting;
    ch.senders_.push_back(this);
    ch.lock_.unlock();
    return true;
  }

  bool cancel() noexcept override {
    mpsc_chan<T>& ch = *ch_;
    ch.lock_.lock();
    if (status_ != status::waiting) {
      ch.lock_.unlock();
      return false;  // sent, reserved or closed: the wake is coming
    }
    ch.senders_.remove(this);
    ch.clear_waiting_if_idle_locked();
    status_ = status::idle;
    ch.lock_.unlock();
    return true;  // the message stays in value_
  }

  // A unit reserved for us but never consumed goes back. A message that was sent stays
  // sent (it is in the channel); one rejected as closed stays in value_.
  void give_back() noexcept override {
    if (kind_ == kind::reserve && status_ == status::done) {
      status_ = status::idle;
      ch_->release(1);
    }
  }

  friend class mpsc_chan<T>;
  mpsc_chan<T>* ch_;
  std::optional<T> value_;
  kind kind_;
  status status_ = status::idle;

 private:
  // We hold a unit (and, for a send, a ticket): a send puts its message in the ring.
  void complete_acquired(std::uint32_t ticket) noexcept {
    if (kind_ == kind::send) ch_->publish_and_wake(ticket, std::move(*value_));
    status_ = status::done;
  }
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
    if (ch.rx_closed()) {
      ch.lock_.unlock();
      return finish_inline();
    }
    linked_ = true;
    ch.closed_waiters_.push_back(this);
    ch.lock_.unlock();
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
    ch.lock_.unlock();
    return was;
  }

  mpsc_chan<T>* ch_;
  bool linked_ = false;  // guarded by the channel's lock
};

template <class T>
class mpsc_chan {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "edo::sync channels need a nothrow move constructor for their messages");

 public:
  static constexpr std::size_t unbounded = 0;
  static constexpr std::size_t unbounded_ring = 32;
  enum class send_status_t : std::uint8_t { ok, full, closed };

  // `cap` messages (bounded), or unbounded. Allocates the ring (may throw).
  explicit mpsc_chan(std::size_t cap)
      : bounded_(cap != unbounded),
        units_(cap == unbounded ? unbounded_ring : cap),
        ring_size_(ring_size_for(units_)),
        mask_(ring_size_ - 1),
        slots_(std::make_unique<slot[]>(ring_size_)) {
    for (std::size_t i = 0; i < ring_size_; ++i) {
      slots_[i].stamp.store(i, std::memory_order_relaxed);
    }
    state_.store(std::uint64_t{units_} << unit_shift, std::memory_order_relaxed);
  }
  mpsc_chan(const mpsc_chan&) = delete;
  mpsc_chan& operator=(const mpsc_chan&) = delete;
  ~mpsc_chan() {
    // Both sides are gone: no push is in flight.
    while (ready()) (void)pop();
  }

  // ---- handles ----
  void add_sender() noexcept {
    // ordering: a new handle is made from an existing one; nothing to publish.
    tx_count_.fetch_add(1, std::memory_order_relaxed);
  }
  void drop_sender() noexcept {
    // ordering: acq_rel: the last sender's close sees every sender's use.
    if (tx_count_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // ordering: seq_cst, the closing side of the Dekker with a waiting receive.
      tx_closed_.store(true, std::memory_order_seq_cst);
      wake_rx_if_done();
      release_ref();
    }
  }
  void drop_receiver() noexcept {
    close_rx(true);
    release_ref();
  }

  // ---- capacity ----
  // A unit now (and a ticket, for a send), if one is free and nobody waits for one.
  send_status_t try_acquire(bool with_ticket, std::uint32_t& ticket) noexcept {
    // ordering: acquire pairs with the release of whoever returned the unit; the CAS keeps
    // that release sequence.
    std::uint64_t w = state_.load(std::memory_order_acquire);
    for (;;) {
      if ((w & st_closed) != 0) return send_status_t::closed;
      if ((w & st_waiting) != 0 || units_of(w) == 0) return send_status_t::full;
      const std::uint64_t next = w - unit_one + (with_ticket ? ticket_one : 0);
      if (state_.compare_exchange_weak(w, next, std::memory_order_acquire,
                                       std::memory_order_acquire)) {
        ticket = ticket_of(w);
        return send_status_t::ok;
      }
    }
  }

  // Under lock_: a unit (and a ticket) if one is free and no sender queued before us, else
  // marks the channel `waiting` (the caller queues). `full` means: queue.
  send_status_t acquire_or_wait_locked(bool with_ticket, std::uint32_t& ticket) noexcept {
    // Senders queued: `waiting` is set and the channel is open (close_rx() empties the queue
    // under lock_), so queue behind them without reading state_, whose line the receiver
    // keeps writing: a miss here would lengthen the critical section the receiver waits on.
    if (bounded_ && !senders_.empty()) return send_status_t::full;
    std::uint64_t w = state_.load(std::memory_order_acquire);
    for (;;) {
      if ((w & st_closed) != 0) return send_status_t::closed;
      const bool queue_empty = bounded_ ? senders_.empty() : overflow_.empty();
      if (queue_empty && units_of(w) > 0) {
        const std::uint64_t next = w - unit_one + (with_ticket ? ticket_one : 0);
        // ordering: acquire, as try_acquire.
        if (state_.compare_exchange_weak(w, next, std::memory_order_acquire,
                                         std::memory_order_acquire)) {
          ticket = ticket_of(w);
          return send_status_t::ok;
        }
        continue;
      }
      if ((w & st_waiting) != 0) return send_status_t::full;
      // ordering: acquire (on failure, for the next iteration's unit); the flag itself only
      // diverts the fast paths to the lock.
      if (state_.compare_exchange_weak(w, w | st_waiting, std::memory_order_acquire,
                                       std::memory_order_acquire)) {
        return send_status_t::full;
      }
    }
  }

  // Under lock_: the queue emptied (a cancel): units go to the fast paths again.
  void clear_waiting_if_idle_locked() noexcept {
    if (bounded_ ? senders_.empty() : overflow_.empty()) {
      // ordering: relaxed: as setting it.
      state_.fetch_and(~st_waiting, std::memory_order_relaxed);
    }
  }

  // Returns `n` units: to the queue's head first (under lock_), the rest to the fast paths.
  // `by_receiver`: the receiver calls (it is not waiting on any slot, and not dropped).
  void release(std::size_t n, bool by_receiver = false) noexcept {
    std::uint64_t w = state_.load(std::memory_order_relaxed);
    while ((w & st_waiting) == 0) {
      // ordering: seq_cst: release for the freed slot (and its destroyed value) before the
      // unit's next taker writes it; seq_cst for the Dekker with a waiting receive once
      // closed (the last unit back ends the channel).
      if (state_.compare_exchange_weak(w, w + n * unit_one, std::memory_order_seq_cst,
                                       std::memory_order_relaxed)) {
        if ((w & st_closed) != 0) wake_rx_if_done();  // the last permit may be back
        return;
      }
    }
    release_slow(n, by_receiver);
  }

  // ---- the ring ----
  // Receiver: is the next message published?
  bool ready() const noexcept {
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    // ordering: seq_cst: acquire for the slot's value; seq_cst as rx_done()'s loads, which
    // follow it in start() and in the wakers.
    return slots_[h & mask_].stamp.load(std::memory_order_seq_cst) ==
           static_cast<std::uint32_t>(h + 1);
  }

  // Puts `v` in the slot of `ticket`; the caller holds its unit. Wakes the receiver if it
  // waits for it.
  void publish_and_wake(std::uint32_t ticket, T&& v) noexcept {
    finish_publish(publish(ticket, std::move(v)));
  }
  // As publish_and_wake, taking a ticket for a unit already held (a permit).
  void push_acquired(T&& v) noexcept { publish_and_wake(take_ticket(), std::move(v)); }

  // A receive would complete now: a message is published at the head, or recv returns empty.
  bool rx_progress() const noexcept { return ready() || rx_done(); }

  // Receiver (or, once the receiver is gone, whoever holds lock_): takes the published head
  // message. Precondition: ready().
  T pop() noexcept {
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    slot& s = slots_[h & mask_];
    T* p = std::launder(reinterpret_cast<T*>(s.storage));
    T v(std::move(*p));
    p->~T();
    // ordering: release: the slot is free for the ticket h + ring_size_.
    s.stamp.store(static_cast<std::uint32_t>(h + ring_size_), std::memory_order_release);
    head_.store(h + 1, std::memory_order_relaxed);
    return v;
  }
  T pop_and_release() noexcept {
    T v = pop();
    release(1, true);
    return v;
  }

  // Whether recv returns empty now: nothing buffered or in flight, and every sender gone, or
  // the receiver closed and every outstanding permit back.
  bool rx_done() const noexcept {
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    // ordering: seq_cst (Dekker with the closing sides). A ticket taken and not yet consumed
    // means a message is coming.
    const std::uint64_t w = state_.load(std::memory_order_seq_cst);
    if (ticket_of(w) != h) return false;
    if (overflow_len_.load(std::memory_order_seq_cst) != 0) return false;
    if (tx_closed_.load(std::memory_order_seq_cst)) return true;
    return (w & st_closed) != 0 && units_of(w) == units_;
  }

  // ---- operations ----
  // Permit::send: its unit becomes a message (dropped if the receiver is gone).
  void permit_send(T&& v) noexcept {
    // ordering: acquire: a plain check; the Dekker in publish() catches a racing drop.
    if (rx_dropped_.load(std::memory_order_acquire)) {
      release(1);
      return;  // the caller destroys the value
    }
    push_acquired(std::move(v));
  }

  // A permit is dropped unused.
  void release_reservation() noexcept { release(1); }

  // Synchronous send (try_send; an unbounded send, which never fails for lack of room).
  // An unbounded send may throw std::bad_alloc growing the overflow: nothing is sent then.
  template <class U>
  send_status_t try_send(U& v) {
    std::uint32_t ticket = 0;
    const send_status_t r = try_acquire(true, ticket);
    if (r == send_status_t::ok) {
      publish_and_wake(ticket, std::move(v));
      return r;
    }
    if (bounded_ || r == send_status_t::closed) return r;
    lock_.lock();
    switch (acquire_or_wait_locked(true, ticket)) {
      case send_status_t::ok:
        lock_.unlock();
        publish_and_wake(ticket, std::move(v));
        return send_status_t::ok;
      case send_status_t::closed:
        lock_.unlock();
        return send_status_t::closed;
      case send_status_t::full:
        break;
    }
    if (overflow_.size() == overflow_.capacity()) {
      try {
        overflow_.reserve(std::max<std::size_t>(16, overflow_.capacity() * 2));
      } catch (...) {
        clear_waiting_if_idle_locked();
        lock_.unlock();
        throw;
      }
    }
    overflow_.push_back(std::move(v));
    // ordering: seq_cst: rx_done() must not see an empty channel while a message waits here.
    overflow_len_.store(overflow_.size(), std::memory_order_seq_cst);
    lock_.unlock();
    return send_status_t::ok;
  }

  // Sync try_reserve.
  send_status_t try_reserve() noexcept {
    std::uint32_t ignored = 0;
    return try_acquire(false, ignored);
  }

  std::optional<T> try_recv() noexcept {
    if (!ready()) return std::nullopt;
    return pop_and_release();
  }

  // Buffered messages (a snapshot; counts sends in flight).
  std::size_t len() const noexcept {
    // ordering: relaxed: a snapshot.
    const std::uint32_t t = ticket_of(state_.load(std::memory_order_relaxed));
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    return static_cast<std::uint32_t>(t - h) + overflow_len_.load(std::memory_order_relaxed);
  }
  // Receiver: moves up to `n` published messages into `out` (whose capacity the caller
  // reserved) and returns the units in one go. Returns how many.
  std::size_t drain_into(std::vector<T>& out, std::size_t n) noexcept {
    std::size_t got = 0;
    while (got < n && ready()) {
      out.push_back(pop());
      ++got;
    }
    if (got > 0) release(got, true);
    return got;
  }

  bool rx_closed() const noexcept {
    // ordering: acquire: a snapshot that orders what the closing thread did before.
    return (state_.load(std::memory_order_acquire) & st_closed) != 0;
  }
  bool closed_any() const noexcept {
    return rx_closed() || tx_closed_.load(std::memory_order_acquire);
  }
  // Free units now (bounded), for sender::capacity().
  std::size_t room() const noexcept {
    // ordering: relaxed: a snapshot.
    return units_of(state_.load(std::memory_order_relaxed));
  }
  std::size_t max_capacity() const noexcept { return bounded_ ? units_ : 0; }

  // The receiver closes (close()) or goes away (drop): sends fail from now on.
  void close_rx(bool dropped) noexcept {
    wake_batch wakes;
    ring<T> dead;
    lock_.lock();
    // ordering: acq_rel: acquirers see `closed` before any unit returned after it.
    state_.fetch_or(st_closed, std::memory_order_acq_rel);
    while (mpsc_send_waiter<T>* s = senders_.pop_front()) {
      s->status_ = mpsc_send_waiter<T>::status::closed;
      wakes.push(s);
    }
    if (bounded_) state_.fetch_and(~st_waiting, std::memory_order_relaxed);
    while (mpsc_closed_waiter<T>* c = closed_waiters_.pop_front()) {
      c->linked_ = false;
      wakes.push(c);
    }
    if (dropped) {
      // ordering: seq_cst, the dropping side of the Dekker with publish().
      rx_dropped_.store(true, std::memory_order_seq_cst);
      dead = std::move(overflow_);  // the messages are destroyed after unlocking
      overflow_len_.store(0, std::memory_order_relaxed);
      state_.fetch_and(~st_waiting, std::memory_order_relaxed);
    }
    lock_.unlock();
    wakes.wake_all();
    if (dropped) drain_dropped();
  }

 private:
  template <class>
  friend class mpsc_recv_waiter;
  template <class>
  friend class mpsc_send_waiter;
  template <class>
  friend class mpsc_closed_waiter;

  // state_: closed | waiting << 1 | free units << 2 (30 bits) | next ticket << 32 (wraps).
  // One CAS takes a unit and a ticket together.
  static constexpr std::uint64_t max_units = (std::uint64_t{1} << 30) - 1;
  static constexpr std::uint64_t st_closed = 1;
  static constexpr std::uint64_t st_waiting = 2;
  static constexpr unsigned unit_shift = 2;
  static constexpr std::uint64_t unit_one = std::uint64_t{1} << unit_shift;
  static constexpr unsigned ticket_shift = 32;
  static constexpr std::uint64_t ticket_one = std::uint64_t{1} << ticket_shift;
  static std::uint32_t units_of(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>((w >> unit_shift) & max_units);
  }
  static std::uint32_t ticket_of(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w >> ticket_shift);
  }
  std::uint32_t take_ticket() noexcept {
    // ordering: relaxed: tickets only order the slots; the stamps publish the values.
    return ticket_of(state_.fetch_add(ticket_one, std::memory_order_relaxed));
  }

  // Set in the head slot's stamp while the receiver waits for that slot. Stamps hold 32-bit
  // ticket values (they wrap with the tickets; only equality is ever tested).
  static constexpr std::uint64_t stamp_wait = std::uint64_t{1} << 63;

  // At least 2: with one slot, a freed slot's stamp would read as published for the next
  // ticket's reader that looks at the old head.
  static std::size_t ring_size_for(std::size_t units) {
    if (units > max_units) {
      throw std::length_error("edo::sync::mpsc::channel: capacity above 2^30 - 1");
    }
    return std::bit_ceil(std::max<std::size_t>(units, 2));
  }

  struct slot {
    std::atomic<std::uint64_t> stamp{0};
    alignas(T) unsigned char storage[sizeof(T)];
  };

  // What a publish leaves for its caller to do once it holds no lock.
  enum class after_publish : std::uint8_t { nothing, wake, drain };

  // Writes `v` into the slot of `t` (a ticket whose unit the caller holds) and publishes it.
  // `by_receiver`: the receiver publishes for a waiting sender (release_slow): it cannot be
  // waiting on the slot nor dropped, so a plain release store publishes.
  after_publish publish(std::uint32_t t, T&& v, bool by_receiver = false) noexcept {
    slot& s = slots_[t & mask_];
    // ordering: acquire pairs with the receiver's release when it freed the slot. The units
    // guarantee the slot is free already (at most `capacity` tickets are outstanding, and a
    // unit comes back only after its slot was freed); this load is what orders our write
    // after the receiver's read in the memory model (a ticket's unit may have come back
    // through another holder). The receiver may have flagged the slot: it waits for it.
    while (EDO_UNLIKELY((s.stamp.load(std::memory_order_acquire) & ~stamp_wait) != t)) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#elif defined(__aarch64__)
      asm volatile("yield" ::: "memory");
#endif
    }
    ::new (static_cast<void*>(s.storage)) T(std::move(v));
    if (by_receiver) {
      // ordering: release publishes the value to the receiver's own later acquire load.
      s.stamp.store(static_cast<std::uint32_t>(t + 1), std::memory_order_release);
      return after_publish::nothing;
    }
    // ordering: seq_cst: release for the value (acquire for rx_waiter_ if the receiver
    // waits here), and the sending side of the Dekker with a dropping receiver.
    const std::uint64_t prev =
        s.stamp.exchange(static_cast<std::uint32_t>(t + 1), std::memory_order_seq_cst);
    if (EDO_UNLIKELY(rx_dropped_.load(std::memory_order_seq_cst))) return after_publish::drain;
    return (prev & stamp_wait) != 0 ? after_publish::wake : after_publish::nothing;
  }
  void finish_publish(after_publish a) noexcept {
    if (a == after_publish::wake) {
      rx_waiter_->wake();
    } else if (a == after_publish::drain) {
      drain_dropped();
    }
  }

  // The channel may have become done (a close, the last unit back): wake the receiver if it
  // waits and recv now returns empty. Call with no lock held, after the change (seq_cst).
  void wake_rx_if_done() noexcept {
    if (!rx_done()) return;  // done is final; not done: a sender still publishes and wakes
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    std::uint64_t expected = h | stamp_wait;
    // ordering: seq_cst: the closing side of the Dekker with start() (acquire: rx_waiter_).
    // The CAS succeeds only if the receiver waits on this very head.
    if (slots_[h & mask_].stamp.compare_exchange_strong(expected, h, std::memory_order_seq_cst)) {
      rx_waiter_->wake();
    }
  }

  // Units returned while senders wait (or messages wait in the overflow): they go to the
  // queue's head, in order.
  void release_slow(std::size_t n, bool by_receiver) noexcept {
    wake_batch wakes;
    bool wake_receiver = false;
    bool drain = false;
    lock_.lock();
    std::uint64_t w;
    if (bounded_) {
      // The first `n` waiters take the units; the sends among them take consecutive
      // tickets. One read-modify-write of state_ reserves those tickets, returns the units
      // nobody waits for and clears `waiting` if the queue empties (the bit is stable under
      // lock_: only its holders change it). It was a ticket fetch_add per send plus a CAS:
      // two locked instructions on the receiver's path per message while senders wait.
      std::size_t served = 0;
      std::uint64_t sends = 0;
      waiter* x = senders_.front();
      for (; x != nullptr && served < n; x = x->next_) {
        ++served;
        if (static_cast<mpsc_send_waiter<T>*>(x)->kind_ == mpsc_send_waiter<T>::kind::send) {
          ++sends;
        }
      }
      // The queue may have emptied (a cancel) between release()'s look and the lock: then
      // the bit is already clear.
      // ordering: relaxed: only the bit is read, and lock_ orders its writers.
      const bool clear_bit =
          x == nullptr && (state_.load(std::memory_order_relaxed) & st_waiting) != 0;
      const std::uint64_t delta =
          sends * ticket_one + (n - served) * unit_one - (clear_bit ? st_waiting : 0);
      // ordering: seq_cst, as in release() (a zero delta changes nothing: a load suffices).
      w = delta != 0 ? state_.fetch_add(delta, std::memory_order_seq_cst)
                     : state_.load(std::memory_order_seq_cst);
      std::uint32_t ticket = ticket_of(w);
      for (; served > 0; --served) {
        mpsc_send_waiter<T>* s = senders_.pop_front();
        if (s->kind_ == mpsc_send_waiter<T>::kind::send) {
          const after_publish a = publish(ticket++, std::move(*s->value_), by_receiver);
          wake_receiver |= a == after_publish::wake;
          drain |= a == after_publish::drain;
        }
        s->status_ = mpsc_send_waiter<T>::status::done;
        wakes.push(s);
      }
    } else {
      if (!rx_dropped_.load(std::memory_order_relaxed)) {
        while (n > 0 && !overflow_.empty()) {
          const after_publish a = publish(take_ticket(), overflow_.pop_front(), by_receiver);
          wake_receiver |= a == after_publish::wake;
          drain |= a == after_publish::drain;
          --n;
        }
        // ordering: seq_cst, as in try_send.
        overflow_len_.store(overflow_.size(), std::memory_order_seq_cst);
      }
      w = state_.load(std::memory_order_relaxed);
      const bool idle = overflow_.empty();
      for (;;) {
        std::uint64_t next = w + n * unit_one;
        if (idle) next &= ~st_waiting;
        // ordering: seq_cst, as in release().
        if (state_.compare_exchange_weak(w, next, std::memory_order_seq_cst,
                                         std::memory_order_relaxed)) {
          break;
        }
      }
    }
    lock_.unlock();
    wakes.wake_all();
    if (drain) drain_dropped();
    if (wake_receiver) rx_waiter_->wake();
    if ((w & st_closed) != 0) wake_rx_if_done();
  }

  // The receiver is gone: destroy what is published, one message at a time (a message's
  // destructor may drop a sender of this channel, which takes no lock of ours on the way,
  // but must not run under lock_ anyway).
  void drain_dropped() noexcept {
    for (;;) {
      std::optional<T> v;
      lock_.lock();
      if (ready()) v.emplace(pop());
      lock_.unlock();
      if (!v) return;
    }
  }

  void release_ref() noexcept {
    // ordering: acq_rel: the last side to leave sees the other side's writes before it
    // frees the block.
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Immutable after construction.
  const bool bounded_;
  const std::size_t units_;      // capacity (unbounded: the ring's size)
  const std::size_t ring_size_;  // a power of two >= units_
  const std::size_t mask_;
  const std::unique_ptr<slot[]> slots_;
  // Read by every send, written rarely.
  mpsc_recv_waiter<T>* rx_waiter_ = nullptr;  // published by the CAS that flags a slot
  std::atomic<bool> rx_dropped_{false};
  std::atomic<bool> tx_closed_{false};
  std::atomic<std::size_t> overflow_len_{0};  // overflow_.size(), readable without lock_
  // Contended: one line each.
  alignas(cache_line) std::atomic<std::uint64_t> state_{0};
  alignas(cache_line) std::atomic<std::uint32_t> head_{0};  // the receiver's (atomic: len())
  // The slow paths.
  alignas(cache_line) sync_lock lock_;
  wait_list<mpsc_send_waiter<T>> senders_;  // bounded: waiting for a unit
  ring<T> overflow_;                        // unbounded: messages waiting for a unit
  wait_list<mpsc_closed_waiter<T>> closed_waiters_;
  alignas(cache_line) std::atomic<std::size_t> tx_count_{1};
  std::atomic<std::uint32_t> refs_{2};  // all senders together + the receiver
};

}  // namespace edo::detail
