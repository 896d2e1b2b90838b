// A worker's local run queue: a fixed ring of 256 task pointers, FIFO for its owner,
// from which other workers steal half at a time (the design of Tokio's
// runtime/scheduler/multi_thread/queue.rs).
//
// Indices are free-running u32s. `head_` packs two of them: `steal` (high half) and `real`
// (low half). They are equal when nobody is stealing; a stealer first advances `real` to
// claim its batch (so the owner and other stealers skip it), copies the tasks out, then
// moves `steal` up to `real`. `tail_` is written by the owner only.
//
//  * push_back (owner): store the slot, then release-store tail_. If the ring is full, half
//    of it plus the new task move to the inject queue in one batch (one lock).
//  * pop (owner): CAS head_ forward by one.
//  * steal_into (another worker): claim half of the tasks with one CAS, copy them into its
//    own ring, publish them with one release store of its own tail_.
//
// No locks on any path; the slots are relaxed atomics, ordered by head_/tail_.
#pragma once

#include <atomic>
#include <cstdint>

#include <edo/detail/config.hpp>
#include <edo/detail/task_header.hpp>

namespace edo::detail {

class inject_queue;

class local_queue {
 public:
  static constexpr std::uint32_t capacity = 256;
  static constexpr std::uint32_t mask = capacity - 1;

  local_queue() = default;
  local_queue(const local_queue&) = delete;
  local_queue& operator=(const local_queue&) = delete;

  // Owner only. Returns true if the task (and half of the ring) overflowed to `inject`.
  bool push_back(task_header* t, inject_queue& inject) noexcept;
  // Owner only.
  task_header* pop() noexcept;
  // Owner only: how many tasks push_batch can take now (stealers only ever free slots).
  std::uint32_t remaining_slots() const noexcept;
  // Owner only: appends `n` tasks (n <= remaining_slots()), published with one store.
  void push_batch(task_header* const* ts, std::uint32_t n) noexcept;
  // Called by another worker on `src`: moves half of src's tasks into this queue (owned by
  // the caller) and returns one of them, or null. `stolen` receives how many moved.
  task_header* steal_into(local_queue& dst, std::uint32_t& stolen) noexcept;

  // Any thread (approximate).
  std::uint32_t len() const noexcept;
  bool is_empty() const noexcept { return len() == 0; }
  // For the parking Dekker (see idle.cpp): seq_cst loads.
  bool is_empty_seq_cst() const noexcept {
    return tail_.load(std::memory_order_seq_cst) == real_of(head_.load(std::memory_order_seq_cst));
  }
  // Owner only: has at least one task other workers could steal.
  bool has_tasks() const noexcept { return len() > 0; }

 private:
  static std::uint64_t pack(std::uint32_t steal, std::uint32_t real) noexcept {
    return (static_cast<std::uint64_t>(steal) << 32) | real;
  }
  static std::uint32_t steal_of(std::uint64_t h) noexcept {
    return static_cast<std::uint32_t>(h >> 32);
  }
  static std::uint32_t real_of(std::uint64_t h) noexcept { return static_cast<std::uint32_t>(h); }

  bool push_overflow(task_header* t, std::uint32_t head, std::uint32_t tail,
                     inject_queue& inject) noexcept;
  std::uint32_t steal_into2(local_queue& dst, std::uint32_t dst_tail) noexcept;

  alignas(cache_line) std::atomic<std::uint64_t> head_{0};
  alignas(cache_line) std::atomic<std::uint32_t> tail_{0};
  alignas(cache_line) std::atomic<task_header*> buf_[capacity] = {};
};

}  // namespace edo::detail
