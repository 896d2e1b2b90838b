// The inject queue: tasks scheduled from threads that do not run the scheduler (and the
// overflow of full local queues). A spin-then-yield lock (edo::sync's: one locked
// instruction per lock/unlock pair) around a growable ring; `len_` lets workers look
// without locking.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

#include <edo/detail/config.hpp>
#include <edo/sync/detail/lock.hpp>

#include "runtime/task_deque.hpp"

namespace edo::detail {

class inject_queue {
 public:
  void push(task_header* t) {
    std::lock_guard lock(mu_);
    q_.push(t);
    // ordering: release pairs with the relaxed peek + the pop's lock; the lock orders data.
    len_.store(q_.size(), std::memory_order_release);
  }
  // Pushes `n` tasks from `first[0..n)` and then `last` in one lock.
  void push_batch(task_header* const* first, std::size_t n, task_header* last) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < n; ++i) q_.push(first[i]);
    if (last != nullptr) q_.push(last);
    len_.store(q_.size(), std::memory_order_release);
  }
  task_header* pop() {
    if (len_.load(std::memory_order_acquire) == 0) return nullptr;
    std::lock_guard lock(mu_);
    task_header* t = q_.pop();
    len_.store(q_.size(), std::memory_order_release);
    return t;
  }
  // Pops up to `max` tasks into `out` in one lock; returns how many.
  std::size_t pop_n(task_header** out, std::size_t max) {
    if (len_.load(std::memory_order_acquire) == 0) return 0;
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    while (n < max) {
      task_header* t = q_.pop();
      if (t == nullptr) break;
      out[n++] = t;
    }
    len_.store(q_.size(), std::memory_order_release);
    return n;
  }
  std::size_t len() const noexcept { return len_.load(std::memory_order_acquire); }
  bool empty() const noexcept { return len() == 0; }
  bool empty_seq_cst() const noexcept { return len_.load(std::memory_order_seq_cst) == 0; }

 private:
  alignas(cache_line) sync_lock mu_;
  task_deque q_;
  std::atomic<std::size_t> len_{0};
};

}  // namespace edo::detail
