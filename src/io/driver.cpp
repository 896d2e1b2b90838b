// The I/O driver and its slab (see driver.hpp, registration.hpp).
#include "io/driver.hpp"

#include <csignal>
#include <mutex>
#include <new>
#include <system_error>

#include <edo/detail/strand.hpp>

namespace edo::detail {

// ---- io_slab ----

io_slab::~io_slab() {
  for (std::uint32_t i = 0; i < max_pages; ++i) {
    // ordering: relaxed: no other thread uses the slab while it is destroyed.
    scheduled_io* p = pages_[i].load(std::memory_order_relaxed);
    if (p == nullptr) break;
    for (std::uint32_t k = 0; k < page_slots; ++k) p[k].~scheduled_io();
    ::operator delete (p, std::align_val_t{alignof(scheduled_io)});
  }
}

scheduled_io* io_slab::alloc() {
  std::lock_guard lock(mu_);
  if (free_head_ != none) {
    scheduled_io* s = get(free_head_);
    free_head_ = s->next_free_;
    return s;
  }
  // ordering: relaxed: fresh_ is written only under mu_, which we hold.
  const std::uint32_t index = fresh_.load(std::memory_order_relaxed);
  const std::uint32_t page = index / page_slots;
  if (page >= max_pages)
    throw std::system_error(EMFILE, std::generic_category(), "edo: I/O slab full");
  if (index % page_slots == 0) {
    void* mem =
        ::operator new (sizeof(scheduled_io) * page_slots, std::align_val_t{alignof(scheduled_io)});
    auto* p = static_cast<scheduled_io*>(mem);
    for (std::uint32_t k = 0; k < page_slots; ++k) {
      ::new (static_cast<void*>(p + k)) scheduled_io();
      p[k].index_ = page * page_slots + k;
      p[k].driver_ = owner_;
    }
    // ordering: release publishes the constructed page to get()'s acquire.
    pages_[page].store(p, std::memory_order_release);
  }
  // ordering: release: a slot below fresh_ is constructed (shutdown() iterates with acquire).
  fresh_.store(index + 1, std::memory_order_release);
  return get(index);
}

void io_slab::free(scheduled_io* s) noexcept {
  std::lock_guard lock(mu_);
  s->next_free_ = free_head_;
  free_head_ = s->index_;
}

// ---- io_driver ----

io_driver* io_driver::create() {
  // A write to a closed pipe or socket must be an EPIPE error, never a process kill (sockets
  // also use MSG_NOSIGNAL; pipes cannot). Done once, and only if nobody chose a disposition.
  static std::once_flag sigpipe_once;
  std::call_once(sigpipe_once, [] {
    struct sigaction old {};
    if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL &&
        (old.sa_flags & SA_SIGINFO) == 0) {
      struct sigaction ign {};
      ign.sa_handler = SIG_IGN;
      sigemptyset(&ign.sa_mask);
      ::sigaction(SIGPIPE, &ign, nullptr);
    }
  });
  return new io_driver();
}

io_driver::io_driver() : slab_(this), events_(new poll_event[poller::max_events]) {}

io_driver::~io_driver() = default;

void io_driver::unref() noexcept {
  // ordering: acq_rel so the last owner sees every other owner's writes before deleting.
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

scheduled_io* io_driver::add(int fd, std::uint8_t initial) {
  scheduled_io* s = slab_.alloc();
  std::uint64_t token;
  {
    std::lock_guard lock(s->lock_);
    // ordering: relaxed: under the slot's lock; nobody else uses a free slot.
    const std::uint64_t tick = s->state_.load(std::memory_order_relaxed) & io_state::tick_bits;
    // ordering: release; the fd's first operation reads it with acquire.
    s->state_.store(tick | initial, std::memory_order_release);
    token = s->token();
  }
  try {
    poller_.add(fd, token);
  } catch (...) {
    {
      std::lock_guard lock(s->lock_);
      ++s->generation_;
    }
    slab_.free(s);
    throw;
  }
  // ordering: relaxed: a hint for zero-timeout turns (see driver.hpp).
  watched_.fetch_add(1, std::memory_order_relaxed);
  ref();
  return s;
}

void io_driver::remove(scheduled_io* s, int fd) noexcept {
  poller_.remove(fd);
  // ordering: relaxed: as in add().
  watched_.fetch_sub(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(s->lock_);
    ++s->generation_;  // edges still in flight for this fd are ignored from now on
    // Keep the tick (a stale snapshot must not match a fresh registration's tick by luck
    // more than it would anyway); drop readiness and the shutdown bit.
    // ordering: relaxed: under the slot's lock; the owner is going away.
    const std::uint64_t tick = s->state_.load(std::memory_order_relaxed) & io_state::tick_bits;
    // ordering: relaxed; the slot's next owner publishes its state in add() under the lock.
    s->state_.store(tick, std::memory_order_relaxed);
    s->head_ = s->tail_ = nullptr;  // no waiter may remain: the resource is being destroyed
  }
  slab_.free(s);
  unref();
}

std::size_t io_driver::dispatch(scheduled_io* s, std::uint32_t generation,
                                std::uint8_t ready) noexcept {
  io_waiter* woken = nullptr;
  {
    std::lock_guard lock(s->lock_);
    if (s->generation_ != generation) return 0;  // an edge of a released registration
    // ordering: relaxed: the CAS below re-reads the value it replaces.
    std::uint64_t cur = s->state_.load(std::memory_order_relaxed);
    std::uint64_t next;
    do {
      const std::uint64_t tick = ((cur >> io_state::tick_shift) + 1) << io_state::tick_shift;
      next = (cur & ~io_state::tick_bits) | (tick & io_state::tick_bits) | ready;
      // ordering: release publishes the readiness to operations' acquire loads; the CAS
      // (not a store) because operations clear bits concurrently without the lock.
    } while (!s->state_.compare_exchange_weak(cur, next, std::memory_order_release,
                                              std::memory_order_relaxed));
    const auto now = static_cast<std::uint8_t>(next & io_state::ready_bits);
    for (io_waiter* w = s->head_; w != nullptr;) {
      io_waiter* after = w->next_;
      if ((now & ready_mask(w->interest_)) != 0) {
        s->unlink(w);
        w->next_ = woken;  // a private list now: only this thread touches it until the wake
        woken = w;
      }
      w = after;
    }
  }
  std::size_t n = 0;
  while (woken != nullptr) {
    io_waiter* after = woken->next_;
    strand* target = woken->target_;
    wake_strand(target);  // the waiter may be gone after this
    woken = after;
    ++n;
  }
  return n;
}

std::size_t io_driver::turn(std::optional<std::chrono::nanoseconds> timeout,
                            bool skip_if_unwatched) noexcept {
  const bool blocking = !timeout || timeout->count() > 0;
  // ordering: relaxed: see watched_.
  if (!blocking && skip_if_unwatched && watched_.load(std::memory_order_relaxed) == 0) return 0;
  if (blocking) {
    // ordering: seq_cst, the parking side of the Dekker with unpark(): either unpark sees
    // `parked` and writes the eventfd, or we see its `notified` and only poll.
    if (park_state_.exchange(parked, std::memory_order_seq_cst) == notified) {
      timeout = std::chrono::nanoseconds::zero();
    }
  }
  std::size_t n = 0;
  try {
    n = poller_.wait(std::span<poll_event>(events_.get(), poller::max_events), timeout);
  } catch (...) {
    n = 0;
  }
  if (blocking) park_state_.store(empty, std::memory_order_seq_cst);
  std::size_t woken = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const poll_event& e = events_[i];
    if ((e.token & special_base) != 0) {
      const auto k = static_cast<int>(e.token & 0xff);
      if (k < max_special && special_[k].fn != nullptr) {
        special_[k].fn(special_[k].ctx);
        ++woken;
      }
      continue;
    }
    scheduled_io* s = slab_.get(static_cast<std::uint32_t>(e.token));
    if (s == nullptr) continue;
    woken += dispatch(s, static_cast<std::uint32_t>(e.token >> 32), e.ready);
  }
  return woken;
}

bool io_driver::watch_special(int slot, int fd, special_fn fn, void* ctx) {
  special& sp = special_[slot];
  // ordering: acq_rel: one caller wins the slot; the release below un-claims it on failure.
  if (sp.taken.exchange(true, std::memory_order_acq_rel)) return false;
  sp.fn = fn;
  sp.ctx = ctx;
  try {
    poller_.add(fd, special_base | static_cast<std::uint64_t>(slot));
  } catch (...) {
    sp.fn = nullptr;
    // ordering: release pairs with the exchange above.
    sp.taken.store(false, std::memory_order_release);
    throw;
  }
  // ordering: relaxed: as in add(). Special fds stay watched for the driver's life.
  watched_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void io_driver::shutdown() noexcept {
  const std::uint32_t n = slab_.high_water();
  for (std::uint32_t i = 0; i < n; ++i) {
    scheduled_io* s = slab_.get(i);
    if (s == nullptr) continue;
    io_waiter* woken = nullptr;
    {
      std::lock_guard lock(s->lock_);
      // ordering: release pairs with operations' acquire loads of the state.
      s->state_.fetch_or(io_state::shutdown, std::memory_order_release);
      while (io_waiter* w = s->head_) {
        s->unlink(w);
        w->next_ = woken;
        woken = w;
      }
    }
    while (woken != nullptr) {
      io_waiter* after = woken->next_;
      wake_strand(woken->target_);
      woken = after;
    }
  }
}

}  // namespace edo::detail
