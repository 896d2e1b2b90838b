// The work-stealing local run queue (see queue.hpp). Orderings follow Tokio's queue.rs.
#include "scheduler/multi_thread/queue.hpp"

#include <cassert>

#include "runtime/inject.hpp"

namespace edo::detail {

std::uint32_t local_queue::len() const noexcept {
  const std::uint64_t h = head_.load(std::memory_order_acquire);
  const std::uint32_t t = tail_.load(std::memory_order_acquire);
  return t - real_of(h);
}

bool local_queue::push_back(task_header* t, inject_queue& inject) noexcept {
  std::uint32_t tail;
  for (;;) {
    // ordering: acquire pairs with stealers' release CAS that frees slots.
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    const std::uint32_t steal = steal_of(head);
    const std::uint32_t real = real_of(head);
    tail = tail_.load(std::memory_order_relaxed);  // only this thread writes tail_
    if (tail - steal < capacity) break;
    if (steal != real) {
      // A steal in progress will free room: send this one task to the inject queue.
      inject.push(t);
      return true;
    }
    if (push_overflow(t, real, tail, inject)) return true;
    // Lost a race with a stealer: the queue is no longer full; try again.
  }
  buf_[tail & mask].store(t, std::memory_order_relaxed);
  // ordering: release publishes the slot to stealers' acquire load of tail_.
  tail_.store(tail + 1, std::memory_order_release);
  return false;
}

bool local_queue::push_overflow(task_header* t, std::uint32_t head, std::uint32_t tail,
                                inject_queue& inject) noexcept {
  constexpr std::uint32_t take = capacity / 2;
  assert(tail - head == capacity);
  (void)tail;
  std::uint64_t prev = pack(head, head);
  // Claim the oldest half. ordering: release: our reads of the claimed slots below happen
  // after; relaxed on failure (we retry from scratch).
  if (!head_.compare_exchange_strong(prev, pack(head + take, head + take),
                                     std::memory_order_release, std::memory_order_relaxed)) {
    return false;
  }
  task_header* batch[take];
  for (std::uint32_t i = 0; i < take; ++i) {
    batch[i] = buf_[(head + i) & mask].load(std::memory_order_relaxed);
  }
  inject.push_batch(batch, take, t);
  return true;
}

std::uint32_t local_queue::remaining_slots() const noexcept {
  // ordering: acquire pairs with stealers' release CAS that frees slots.
  const std::uint32_t steal = steal_of(head_.load(std::memory_order_acquire));
  return capacity - (tail_.load(std::memory_order_relaxed) - steal);
}

void local_queue::push_batch(task_header* const* ts, std::uint32_t n) noexcept {
  const std::uint32_t tail = tail_.load(std::memory_order_relaxed);  // only this thread writes
  assert(n <= remaining_slots());
  for (std::uint32_t i = 0; i < n; ++i)
    buf_[(tail + i) & mask].store(ts[i], std::memory_order_relaxed);
  // ordering: release publishes the slots to stealers' acquire load of tail_.
  tail_.store(tail + n, std::memory_order_release);
}

task_header* local_queue::pop() noexcept {
  std::uint64_t head = head_.load(std::memory_order_acquire);
  std::uint32_t idx;
  for (;;) {
    const std::uint32_t steal = steal_of(head);
    const std::uint32_t real = real_of(head);
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    if (real == tail) return nullptr;
    const std::uint32_t next_real = real + 1;
    // Without a concurrent stealer both halves move; otherwise only `real`.
    const std::uint64_t next = steal == real ? pack(next_real, next_real) : pack(steal, next_real);
    // ordering: acq_rel CAS: acquire the slot's contents written before a stealer's or our
    // own release; release so a stealer sees the slot consumed.
    if (head_.compare_exchange_weak(head, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      idx = real & mask;
      break;
    }
  }
  return buf_[idx].load(std::memory_order_relaxed);
}

task_header* local_queue::steal_into(local_queue& dst, std::uint32_t& stolen) noexcept {
  stolen = 0;
  const std::uint32_t dst_tail = dst.tail_.load(std::memory_order_relaxed);  // dst is ours
  // ordering: acquire pairs with stealers of dst that free its slots.
  const std::uint32_t dst_steal = steal_of(dst.head_.load(std::memory_order_acquire));
  if (dst_tail - dst_steal > capacity / 2) return nullptr;  // no room for half a ring
  std::uint32_t n = steal_into2(dst, dst_tail);
  if (n == 0) return nullptr;
  stolen = n;
  --n;  // one task is returned rather than queued
  task_header* ret = dst.buf_[(dst_tail + n) & mask].load(std::memory_order_relaxed);
  // ordering: release publishes the copied slots to dst's stealers.
  if (n > 0) dst.tail_.store(dst_tail + n, std::memory_order_release);
  return ret;
}

std::uint32_t local_queue::steal_into2(local_queue& dst, std::uint32_t dst_tail) noexcept {
  std::uint64_t prev = head_.load(std::memory_order_acquire);
  std::uint64_t next;
  std::uint32_t n;
  for (;;) {
    const std::uint32_t src_steal = steal_of(prev);
    const std::uint32_t src_real = real_of(prev);
    // ordering: acquire pairs with the owner's release store of tail_ (the slots).
    const std::uint32_t src_tail = tail_.load(std::memory_order_acquire);
    if (src_steal != src_real) return 0;  // another stealer is at work
    n = src_tail - src_real;
    n -= n / 2;
    if (n == 0) return 0;
    next = pack(src_steal, src_real + n);
    // Claim by moving `real` only: nobody else can steal until we move `steal` too.
    if (head_.compare_exchange_weak(prev, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      break;
    }
  }
  assert(n <= capacity / 2);
  const std::uint32_t first = steal_of(next);
  for (std::uint32_t i = 0; i < n; ++i) {
    task_header* t = buf_[(first + i) & mask].load(std::memory_order_relaxed);
    dst.buf_[(dst_tail + i) & mask].store(t, std::memory_order_relaxed);
  }
  // Release the steal: move `steal` up to `real` (the owner may have popped meanwhile).
  prev = next;
  for (;;) {
    const std::uint32_t real = real_of(prev);
    next = pack(real, real);
    if (head_.compare_exchange_weak(prev, next, std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      return n;
    }
  }
}

}  // namespace edo::detail
