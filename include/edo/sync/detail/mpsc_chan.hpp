// The shared state of an edo::sync::mpsc channel and the leaves that wait on it.
//
// Tokio's semantics (capacity counts buffered messages and reserved permits; senders that
// wait for room are served in order; one receiver) on a ring of slots (Vyukov's bounded
// queue) whose stamps are the capacity count. Per message, a sender that finds room makes
// two atomic read-modify-writes — a CAS taking a ticket, an exchange publishing its slot —
// and the receiver one on the line it just read (freeing the slot) and none on a line the
// senders write: no count of free units that both sides update. Nobody takes a lock unless
// senders wait for room.
//
// The parts (one heap block per channel, the ring allocated with it):
//
//  * state_: closed | waiting << 1 | permits << 2 (30 bits) | next ticket << 32. A send
//    takes a ticket; a reserve takes a permit, which its send turns into a ticket (one
//    fetch_add: permits - 1, ticket + 1), or which goes back when dropped (permits - 1).
//    Messages buffered or being published: ticket - head_.
//  * Room: (ticket - head_) + permits < capacity. With a ring of R slots (a power of two
//    >= capacity, at least 2) and slack_ = R - capacity, that holds exactly when the slot
//    of x = ticket + permits + slack_ has been freed for x (its stamp reads x), because
//    the receiver frees slots in order: a sender reads one stamp where Tokio's semaphore
//    keeps a count the receiver must update on every message.
//  * The ring: the holder of ticket t writes slot t % R and sets its stamp to t + 1:
//    published. The receiver's next slot is ready when its stamp is head_ + 1; taking it
//    sets the stamp to head_ + R: free for the ticket R later. Tickets and stamps are
//    32-bit and wrap (R divides 2^32).
//  * `waiting`, in state_ (for the senders' CAS) and copied in waiting_ (next to head_, for
//    the receiver): set under lock_ while senders wait for room (bounded) or messages wait
//    in the overflow (unbounded). While it is set the fast paths fail, so nobody overtakes
//    the queue, and whoever frees room — the receiver, a permit given back — serves the
//    queue's head under lock_ (serve_waiters): the receiver publishes each served sender's
//    message itself, and one fetch_add takes their tickets and permits and clears
//    `waiting` when the queue empties. A sender that sets it checks the room once more
//    afterwards: a Dekker with the receiver, which frees a slot, then reads waiting_.
//  * A bounded channel's receiver hands the room its receives free over once per run of
//    its task, when the run ends (serve_after_receive), not once per receive.
//  * Unbounded channels have a ring of 32 and capacity 32: a send that finds no room
//    appends to overflow_ (under lock_, growing it) and sets `waiting`; the receiver moves
//    the overflow's head into the ring as it frees slots. FIFO holds: while overflow holds
//    messages, every send goes behind them.
// Cancellation: messages leave the ring only when the receiver takes them, so a cancelled
// receive loses nothing and has nothing to give back. A cancelled waiting send leaves the
// queue with its message; a cancelled reserve whose permit was already assigned returns it.
//
// Closing: the last sender's drop sets tx_closed_ and wakes a waiting receiver. The
// receiver's close sets `closed` and fails the waiting senders; after it, recv still returns
// what is buffered and what outstanding permits send, then empty once every permit is back.
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
#include <edo/detail/context.hpp>
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
    // Senders may wait for room this run's receives freed: their messages come first.
    ch.serve_before_waiting();
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
    return ch_->receive(true);
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
    done,     // sent (value_ is moved-from), or a permit was reserved for us
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

  // For await_ready: send / reserve now if there is room and nobody waits. True if done.
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

  // A permit reserved for us but never consumed goes back. A message that was sent stays
  // sent (it is in the channel); one rejected as closed stays in value_.
  void give_back() noexcept override {
    if (kind_ == kind::reserve && status_ == status::done) {
      status_ = status::idle;
      ch_->release_permit();
    }
  }

  friend class mpsc_chan<T>;
  mpsc_chan<T>* ch_;
  std::optional<T> value_;
  kind kind_;
  status status_ = status::idle;

 private:
  // We hold a ticket (a send: it puts its message in the ring) or a permit (a reserve).
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
        cap_(cap == unbounded ? unbounded_ring : cap),
        ring_size_(ring_size_for(cap_)),
        mask_(ring_size_ - 1),
        slack_(static_cast<std::uint32_t>(ring_size_ - cap_)),
        slots_(std::make_unique<slot[]>(ring_size_)) {
    for (std::size_t i = 0; i < ring_size_; ++i) {
      slots_[i].stamp.store(i, std::memory_order_relaxed);
    }
  }
  mpsc_chan(const mpsc_chan&) = delete;
  mpsc_chan& operator=(const mpsc_chan&) = delete;
  ~mpsc_chan() {
    // Both sides are gone: no push is in flight.
    while (ready()) (void)pop(std::memory_order_relaxed);
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
  // Room now for a send (a ticket) or a reserve (a permit), if nobody waits for room.
  send_status_t try_acquire(bool with_ticket, std::uint32_t& ticket) noexcept {
    // ordering: relaxed: the room is read from a stamp (acquire), and a ticket only says
    // which slot to write.
    prefetch_for_write(&state_);
    std::uint64_t w = state_.load(std::memory_order_relaxed);
    for (;;) {
      if ((w & st_closed) != 0) return send_status_t::closed;
      if ((w & st_waiting) != 0 || !has_room(w, 0, std::memory_order_acquire, true)) {
        return send_status_t::full;
      }
      // The word fixes ticket + permits, hence the slot checked: if it is unchanged, the
      // room seen is still there (a slot is taken only by a ticket, which changes it).
      if (state_.compare_exchange_weak(w, w + (with_ticket ? ticket_one : permit_one),
                                       std::memory_order_relaxed, std::memory_order_relaxed)) {
        ticket = ticket_of(w);
        return send_status_t::ok;
      }
    }
  }

  // Under lock_: room (a ticket or a permit) if there is some and no sender queued before
  // us, else marks the channel `waiting` (the caller queues). `full` means: queue.
  send_status_t acquire_or_wait_locked(bool with_ticket, std::uint32_t& ticket) noexcept {
    // Queued senders or messages: `waiting` is set and the channel is open (close_rx()
    // empties the senders' queue under lock_), so queue behind them without reading
    // state_, whose line the senders keep writing: a miss here would lengthen the critical
    // section the receiver waits on.
    if (!queue_empty_locked()) {
      if (bounded_) return send_status_t::full;
      // ordering: relaxed: only the closed bit is read (a closed unbounded channel fails).
      return (state_.load(std::memory_order_relaxed) & st_closed) != 0 ? send_status_t::closed
                                                                       : send_status_t::full;
    }
    std::uint64_t w = state_.load(std::memory_order_relaxed);
    for (;;) {
      if ((w & st_closed) != 0) return send_status_t::closed;
      // ordering: seq_cst: after setting `waiting` below, the sending side of the Dekker
      // with the receiver's free (receive()): it frees, then reads waiting_.
      if (has_room(w, 0, std::memory_order_seq_cst)) {
        const std::uint64_t next = (w & ~st_waiting) + (with_ticket ? ticket_one : permit_one);
        // ordering: relaxed, as try_acquire.
        if (state_.compare_exchange_weak(w, next, std::memory_order_relaxed,
                                         std::memory_order_relaxed)) {
          // We had set `waiting` and the room came meanwhile: nobody is queued.
          if ((w & st_waiting) != 0) waiting_.store(false, std::memory_order_relaxed);
          ticket = ticket_of(w);
          return send_status_t::ok;
        }
        continue;
      }
      if ((w & st_waiting) != 0) return send_status_t::full;  // set by us, still no room
      // ordering: seq_cst: the fast paths fail from now on; the flag tells the receiver,
      // and the loop then checks the room once more (see above).
      if (state_.compare_exchange_weak(w, w | st_waiting, std::memory_order_seq_cst,
                                       std::memory_order_relaxed)) {
        w |= st_waiting;
        waiting_.store(true, std::memory_order_seq_cst);
      }
    }
  }

  // Under lock_: the queue emptied (a cancel): the fast paths again.
  void clear_waiting_if_idle_locked() noexcept {
    if (queue_empty_locked() && waiting_.load(std::memory_order_relaxed)) {
      // ordering: relaxed: the bit only diverts the fast paths to lock_.
      state_.fetch_and(~st_waiting, std::memory_order_relaxed);
      waiting_.store(false, std::memory_order_relaxed);
    }
  }

  // A permit goes back unused (dropped, or reserved for a cancelled reserve): its room goes
  // to the queue's head if senders wait.
  void release_permit() noexcept {
    // ordering: seq_cst: once closed, the last permit back ends the channel (the closing
    // side of the Dekker with a waiting receive). The bit seen here is the Dekker with a
    // sender that starts waiting: it sets the bit on this word, then checks the room.
    const std::uint64_t w = state_.fetch_sub(permit_one, std::memory_order_seq_cst);
    if ((w & st_waiting) != 0) {
      serve_waiters(false);
    } else if ((w & st_closed) != 0) {
      wake_rx_if_done();
    }
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

  // Puts `v` in the slot of `ticket`. Wakes the receiver if it waits for it.
  void publish_and_wake(std::uint32_t ticket, T&& v) noexcept {
    finish_publish(publish(ticket, std::move(v)));
  }

  // A receive would complete now: a message is published at the head, or recv returns empty.
  bool rx_progress() const noexcept { return ready() || rx_done(); }

  // The receiver takes the published head message (precondition: ready()); the room it
  // frees goes to waiting senders, at the end of the task's run if `at_run_end` (see
  // serve_after_receive), else now.
  T receive(bool at_run_end) noexcept {
    // ordering: seq_cst: frees the slot (release), and the receiving side of the Dekker
    // with a sender that starts waiting (acquire_or_wait_locked): it sets waiting_, then
    // reads this stamp.
    T v = pop(std::memory_order_seq_cst);
    if (EDO_UNLIKELY(waiting_.load(std::memory_order_seq_cst))) {
      if (at_run_end) {
        serve_after_receive();
      } else {
        serve_waiters(true);
      }
    }
    return v;
  }

  // The receiver is about to wait for a message: the room its receives freed goes to the
  // waiting senders now, not at the end of the run (their messages are what it waits for).
  void serve_before_waiting() noexcept {
    // ordering: relaxed: a hint; a free the receiver missed is served at the end of the run.
    if (waiting_.load(std::memory_order_relaxed)) serve_waiters(true);
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
    return (w & st_closed) != 0 && permits_of(w) == 0;
  }

  // ---- operations ----
  // Permit::send: the permit becomes a message (dropped if the receiver is gone).
  void permit_send(T&& v) noexcept {
    // ordering: acquire: a plain check; the Dekker in publish() catches a racing drop.
    if (rx_dropped_.load(std::memory_order_acquire)) {
      release_permit();
      return;  // the caller destroys the value
    }
    // One fetch_add turns the permit into a ticket: ticket + permits, hence the room, stays.
    // ordering: relaxed: the slot's stamp orders the write (publish()).
    const std::uint64_t w = state_.fetch_add(ticket_one - permit_one, std::memory_order_relaxed);
    publish_and_wake(ticket_of(w), std::move(v));
  }

  // A permit is dropped unused.
  void release_reservation() noexcept { release_permit(); }

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

  // Serves waiting senders at once: try_recv may be polled outside a task, or in a loop
  // that never ends its run.
  std::optional<T> try_recv() noexcept {
    if (!ready()) return std::nullopt;
    return receive(false);
  }

  // Buffered messages (the receiver's snapshot; counts sends in flight).
  std::size_t len() const noexcept {
    // ordering: relaxed: a snapshot (head_ is the caller's own).
    const std::uint32_t t = ticket_of(state_.load(std::memory_order_relaxed));
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    return static_cast<std::uint32_t>(t - h) + overflow_len_.load(std::memory_order_relaxed);
  }
  // Receiver: moves up to `n` published messages into `out` (whose capacity the caller
  // reserved), then serves waiting senders once. Returns how many.
  std::size_t drain_into(std::vector<T>& out, std::size_t n) noexcept {
    std::size_t got = 0;
    while (got < n && ready()) {
      out.push_back(pop(std::memory_order_release));
      ++got;
    }
    if (got > 0) {
      // ordering: seq_cst fence: the receiving side of receive()'s Dekker, for all the
      // slots freed above at once.
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (waiting_.load(std::memory_order_relaxed)) serve_after_receive();
    }
    return got;
  }

  bool rx_closed() const noexcept {
    // ordering: acquire: a snapshot that orders what the closing thread did before.
    return (state_.load(std::memory_order_acquire) & st_closed) != 0;
  }
  bool closed_any() const noexcept {
    return rx_closed() || tx_closed_.load(std::memory_order_acquire);
  }
  // Room now (bounded), for sender::capacity(): capacity - buffered - reserved, 0 while
  // senders wait.
  std::size_t room() const noexcept {
    // ordering: relaxed: a snapshot. head_ first: it only grows, so the count below never
    // comes out smaller than what was buffered at some point in between.
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    const std::uint64_t w = state_.load(std::memory_order_relaxed);
    if ((w & st_waiting) != 0) return 0;
    const std::size_t used = static_cast<std::uint32_t>(ticket_of(w) - h) + permits_of(w);
    return used >= cap_ ? 0 : cap_ - used;
  }
  std::size_t max_capacity() const noexcept { return bounded_ ? cap_ : 0; }

  // The receiver closes (close()) or goes away (drop): sends fail from now on.
  void close_rx(bool dropped) noexcept {
    wake_batch wakes;
    ring<T> dead;
    lock_.lock();
    // ordering: acq_rel: acquirers see `closed` before any room freed after it.
    state_.fetch_or(st_closed, std::memory_order_acq_rel);
    while (mpsc_send_waiter<T>* s = senders_.pop_front()) {
      s->status_ = mpsc_send_waiter<T>::status::closed;
      wakes.push(s);
    }
    while (mpsc_closed_waiter<T>* c = closed_waiters_.pop_front()) {
      c->linked_ = false;
      wakes.push(c);
    }
    if (dropped) {
      // ordering: seq_cst, the dropping side of the Dekker with publish().
      rx_dropped_.store(true, std::memory_order_seq_cst);
      dead = std::move(overflow_);  // the messages are destroyed after unlocking
      overflow_len_.store(0, std::memory_order_relaxed);
    }
    clear_waiting_if_idle_locked();
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

  // state_: closed | waiting << 1 | permits << 2 (30 bits) | next ticket << 32 (wraps).
  static constexpr std::uint64_t max_permits = (std::uint64_t{1} << 30) - 1;
  static constexpr std::uint64_t st_closed = 1;
  static constexpr std::uint64_t st_waiting = 2;
  static constexpr unsigned permit_shift = 2;
  static constexpr std::uint64_t permit_one = std::uint64_t{1} << permit_shift;
  static constexpr unsigned ticket_shift = 32;
  static constexpr std::uint64_t ticket_one = std::uint64_t{1} << ticket_shift;
  static std::uint32_t permits_of(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>((w >> permit_shift) & max_permits);
  }
  static std::uint32_t ticket_of(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w >> ticket_shift);
  }

  // Set in the head slot's stamp while the receiver waits for that slot. Stamps hold 32-bit
  // ticket values (they wrap with the tickets; only equality is ever tested).
  static constexpr std::uint64_t stamp_wait = std::uint64_t{1} << 63;

  // At least 2: with one slot, a freed slot's stamp would read as published for the next
  // ticket's reader that looks at the old head.
  static std::size_t ring_size_for(std::size_t cap) {
    if (cap > max_permits) {
      throw std::length_error("edo::sync::mpsc::channel: capacity above 2^30 - 1");
    }
    return std::bit_ceil(std::max<std::size_t>(cap, 2));
  }

  // Whether `k` more sends or reserves fit after the tickets and permits of `w`: buffered
  // (tickets - head_) + permits + k < capacity. The receiver frees slots in order, so that
  // holds exactly when the slot of x = tickets + permits + k + slack_ has been freed for x
  // (its stamp is x; the receiver's wait flag, bit 63, is cut off by the cast).
  // `for_write`: the caller is about to take that slot (see prefetch_for_write).
  bool has_room(std::uint64_t w, std::uint32_t k, std::memory_order o,
                bool for_write = false) const noexcept {
    const std::uint32_t x = ticket_of(w) + permits_of(w) + k + slack_;
    if (for_write) prefetch_for_write(&slots_[x & mask_].stamp);
    return static_cast<std::uint32_t>(slots_[x & mask_].stamp.load(o)) == x;
  }
  // Asks for the line in exclusive state ahead of a load that a write to it follows: a plain
  // load of a line another core wrote fetches it shared, and the write then needs a second
  // transfer. (On the send fast path, for state_ and the slot: mpsc_contended with two
  // workers 74.7 -> 72.9 ns per message; one thread unchanged. A no-op on CPUs without
  // PREFETCHW, whose encoding they decode as a NOP.)
  static void prefetch_for_write(const void* p) noexcept {
#if defined(__x86_64__)
    asm volatile("prefetchw %0" ::"m"(*static_cast<const char*>(p)));
#endif
  }

  bool queue_empty_locked() const noexcept {
    return bounded_ ? senders_.empty() : overflow_.empty();
  }

  struct slot {
    std::atomic<std::uint64_t> stamp{0};
    alignas(T) unsigned char storage[sizeof(T)];
  };

  // Receiver (or, once the receiver is gone, whoever holds lock_): takes the published head
  // message and frees its slot for the ticket ring_size_ later, with `free_order`.
  T pop(std::memory_order free_order) noexcept {
    const std::uint32_t h = head_.load(std::memory_order_relaxed);
    slot& s = slots_[h & mask_];
    T* p = std::launder(reinterpret_cast<T*>(s.storage));
    T v(std::move(*p));
    p->~T();
    s.stamp.store(static_cast<std::uint32_t>(h + ring_size_), free_order);
    head_.store(h + 1, std::memory_order_relaxed);
    return v;
  }

  // What a publish leaves for its caller to do once it holds no lock.
  enum class after_publish : std::uint8_t { nothing, wake, drain };

  // Writes `v` into the slot of ticket `t` and publishes it.
  // `by_receiver`: the receiver publishes for a waiting sender (serve_waiters): it cannot be
  // waiting on the slot nor dropped, so a plain release store publishes.
  after_publish publish(std::uint32_t t, T&& v, bool by_receiver = false) noexcept {
    slot& s = slots_[t & mask_];
    // ordering: acquire pairs with the receiver's release when it freed the slot. The room
    // checked when the ticket was taken guarantees the slot is free already (the receiver
    // frees in order); this load is what orders our write after the receiver's read in the
    // memory model. The receiver may have flagged the slot: it waits for it.
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

  // The channel may have become done (a close, the last permit back): wake the receiver if
  // it waits and recv now returns empty. Call with no lock held, after the change (seq_cst).
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

  // Room was freed (a receive, a permit back) while senders wait for it, or messages wait
  // in the overflow: the queue's head takes what fits, in order.
  void serve_waiters(bool by_receiver) noexcept {
    wake_batch wakes;
    bool wake_receiver = false;
    bool drain = false;
    lock_.lock();
    // `waiting` is stable under lock_ (only its holders change it); permit sends may move
    // a permit to a ticket meanwhile, which changes neither the room nor our slots.
    // ordering: seq_cst: the read after the room was freed (the freeing side's Dekker).
    std::uint64_t w = state_.load(std::memory_order_seq_cst);
    std::uint32_t fit = 0;
    std::uint64_t sends = 0;
    bool all = true;  // every queued sender or message fits
    if (bounded_) {
      waiter* x = senders_.front();
      for (; x != nullptr && has_room(w, fit, std::memory_order_acquire); x = x->next_) {
        ++fit;
        if (static_cast<mpsc_send_waiter<T>*>(x)->kind_ == mpsc_send_waiter<T>::kind::send) {
          ++sends;
        }
      }
      all = x == nullptr;
    } else if (!rx_dropped_.load(std::memory_order_relaxed)) {
      while (fit < overflow_.size() && has_room(w, fit, std::memory_order_acquire)) ++fit;
      sends = fit;
      all = fit == overflow_.size();
    }
    // One read-modify-write takes the served sends' tickets and the served reserves'
    // permits, and clears `waiting` if the queue empties. (The queue may have emptied
    // before we took the lock, a cancel: then the bit is clear already.)
    const bool clear_bit = all && (w & st_waiting) != 0;
    const std::uint64_t delta =
        sends * ticket_one + (fit - sends) * permit_one - (clear_bit ? st_waiting : 0);
    // ordering: seq_cst: the tickets (rx_done() reads them), and the Dekker of
    // release_permit() with the bit.
    if (delta != 0) w = state_.fetch_add(delta, std::memory_order_seq_cst);
    if (clear_bit) waiting_.store(false, std::memory_order_relaxed);
    std::uint32_t ticket = ticket_of(w);
    if (bounded_) {
      for (; fit > 0; --fit) {
        mpsc_send_waiter<T>* s = senders_.pop_front();
        if (s->kind_ == mpsc_send_waiter<T>::kind::send) {
          const after_publish a = publish(ticket++, std::move(*s->value_), by_receiver);
          wake_receiver |= a == after_publish::wake;
          drain |= a == after_publish::drain;
        }
        s->status_ = mpsc_send_waiter<T>::status::done;
        wakes.push(s);
      }
    } else if (fit > 0) {
      for (; fit > 0; --fit) {
        const after_publish a = publish(ticket++, overflow_.pop_front(), by_receiver);
        wake_receiver |= a == after_publish::wake;
        drain |= a == after_publish::drain;
      }
      // ordering: seq_cst, as in try_send (the tickets taken above keep rx_done() false).
      overflow_len_.store(overflow_.size(), std::memory_order_seq_cst);
    }
    lock_.unlock();
    wakes.wake_all();
    if (drain) drain_dropped();
    if (wake_receiver) rx_waiter_->wake();
    if ((w & st_closed) != 0) wake_rx_if_done();
  }

  // Room a receive freed while senders wait. A bounded channel hands it over at the end of
  // the receiving task's run (defer_to_run_end), or before the receiver waits: one lock, one
  // read-modify-write of state_ and one batch of wakes per run instead of per receive, and
  // the served senders find the rest of the room the run freed instead of queueing again
  // behind each other, one wake per message (mpsc_contended, two workers: 128 -> 70 ns per
  // message). Fairness stands: nobody takes room while senders wait (`waiting` fails the
  // fast paths). Outside a task (block_on's thread between runs, a plain thread) it is
  // served now, and so is an unbounded channel's overflow (nobody waits there to be woken).
  void serve_after_receive() noexcept {
    if (bounded_) {
      switch (defer_to_run_end(&serve_at_run_end, this)) {
        case run_end_deferral::added:
          // The action holds a reference: the receiver may be dropped before the run ends.
          // ordering: relaxed: a new reference made from the receiver's.
          refs_.fetch_add(1, std::memory_order_relaxed);
          return;
        case run_end_deferral::pending:
          return;
        case run_end_deferral::now:
          break;
      }
    }
    serve_waiters(true);
  }
  static void serve_at_run_end(void* p) noexcept {
    auto* ch = static_cast<mpsc_chan*>(p);
    // Publish as anyone would: the receiver may be waiting on the head slot, or gone.
    ch->serve_waiters(false);
    ch->release_ref();
  }

  // The receiver is gone: destroy what is published, one message at a time (a message's
  // destructor may drop a sender of this channel, which takes no lock of ours on the way,
  // but must not run under lock_ anyway).
  void drain_dropped() noexcept {
    for (;;) {
      std::optional<T> v;
      lock_.lock();
      if (ready()) v.emplace(pop(std::memory_order_release));
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
  const std::size_t cap_;        // capacity (unbounded: the ring's size)
  const std::size_t ring_size_;  // a power of two >= cap_
  const std::size_t mask_;
  const std::uint32_t slack_;  // ring_size_ - cap_: slots that never hold a message
  const std::unique_ptr<slot[]> slots_;
  // Read by every send, written rarely.
  mpsc_recv_waiter<T>* rx_waiter_ = nullptr;  // published by the CAS that flags a slot
  std::atomic<bool> rx_dropped_{false};
  std::atomic<bool> tx_closed_{false};
  std::atomic<std::size_t> overflow_len_{0};  // overflow_.size(), readable without lock_
  // Written by every send.
  alignas(cache_line) std::atomic<std::uint64_t> state_{0};
  // The receiver's: head_ (atomic: len() and room() snapshots) and the copy of `waiting`
  // it reads after every receive (written under lock_ only when the queue starts or stops).
  alignas(cache_line) std::atomic<std::uint32_t> head_{0};
  std::atomic<bool> waiting_{false};
  // The slow paths.
  alignas(cache_line) sync_lock lock_;
  wait_list<mpsc_send_waiter<T>> senders_;  // bounded: waiting for room
  ring<T> overflow_;                        // unbounded: messages waiting for room
  wait_list<mpsc_closed_waiter<T>> closed_waiters_;
  alignas(cache_line) std::atomic<std::size_t> tx_count_{1};
  std::atomic<std::uint32_t> refs_{2};  // all senders together + the receiver
};

}  // namespace edo::detail
