// A growable FIFO ring of task pointers (run queues and inject queues). Grows by doubling
// and never shrinks, so a queue that reached its working size allocates no more.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>

#include <edo/detail/task_header.hpp>

namespace edo::detail {

class task_deque {
 public:
  task_deque() = default;
  task_deque(const task_deque&) = delete;
  task_deque& operator=(const task_deque&) = delete;

  bool empty() const noexcept { return head_ == tail_; }
  std::size_t size() const noexcept { return tail_ - head_; }

  void push(task_header* t) {
    if (tail_ - head_ == cap_) grow();
    buf_[tail_++ & (cap_ - 1)] = t;
  }
  task_header* pop() noexcept {
    if (head_ == tail_) return nullptr;
    return buf_[head_++ & (cap_ - 1)];
  }

 private:
  void grow() {
    const std::size_t ncap = cap_ == 0 ? 256 : cap_ * 2;
    auto nbuf = std::make_unique<task_header*[]>(ncap);
    const std::size_t n = tail_ - head_;
    for (std::size_t i = 0; i < n; ++i) nbuf[i] = buf_[(head_ + i) & (cap_ - 1)];
    buf_ = std::move(nbuf);
    cap_ = ncap;
    head_ = 0;
    tail_ = n;
  }

  std::unique_ptr<task_header*[]> buf_;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

}  // namespace edo::detail
