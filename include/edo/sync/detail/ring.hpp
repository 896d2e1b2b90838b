// edo::detail::ring<T> — the message buffer of edo::sync::mpsc: a circular buffer with
// O(1) push at both ends and pop at the front, storage allocated up front (bounded
// channels) or grown by doubling (unbounded channels), never shrunk. After warm-up no
// operation allocates.
//
// Invariant: 0 <= size_ <= cap_; the elements are slots head_, head_+1, ... (mod cap_),
// constructed; every other slot is raw storage. Not thread-safe: the channel's lock guards it.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace edo::detail {

template <class T>
class ring {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "edo::sync channels need a nothrow move constructor for their messages");

 public:
  ring() noexcept = default;
  explicit ring(std::size_t capacity) { reserve(capacity); }
  ring(ring&& o) noexcept
      : buf_(std::exchange(o.buf_, nullptr)),
        cap_(std::exchange(o.cap_, 0)),
        head_(std::exchange(o.head_, 0)),
        size_(std::exchange(o.size_, 0)) {}
  ring& operator=(ring&& o) noexcept {
    if (this != &o) {
      release();
      buf_ = std::exchange(o.buf_, nullptr);
      cap_ = std::exchange(o.cap_, 0);
      head_ = std::exchange(o.head_, 0);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;
  ~ring() { release(); }

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return cap_; }

  // Grows the storage to at least `n` slots (moving the elements). May throw bad_alloc.
  void reserve(std::size_t n) {
    if (n <= cap_) return;
    std::allocator<T> a;
    T* nb = a.allocate(n);
    for (std::size_t i = 0; i < size_; ++i) {
      T& src = buf_[wrap(head_ + i)];
      ::new (static_cast<void*>(nb + i)) T(std::move(src));
      src.~T();
    }
    if (buf_ != nullptr) a.deallocate(buf_, cap_);
    buf_ = nb;
    cap_ = n;
    head_ = 0;
  }

  // Preconditions: size() < capacity().
  void push_back(T&& v) noexcept {
    ::new (static_cast<void*>(buf_ + wrap(head_ + size_))) T(std::move(v));
    ++size_;
  }
  void push_front(T&& v) noexcept {
    head_ = head_ == 0 ? cap_ - 1 : head_ - 1;
    ::new (static_cast<void*>(buf_ + head_)) T(std::move(v));
    ++size_;
  }
  // Precondition: !empty().
  T pop_front() noexcept {
    T& slot = buf_[head_];
    T v(std::move(slot));
    slot.~T();
    head_ = wrap(head_ + 1);
    --size_;
    return v;
  }
  // Precondition: !empty(). Moves the front element into `out` (constructing it).
  void pop_front_into(void* out) noexcept {
    T& slot = buf_[head_];
    ::new (out) T(std::move(slot));
    slot.~T();
    head_ = wrap(head_ + 1);
    --size_;
  }

 private:
  std::size_t wrap(std::size_t i) const noexcept { return i >= cap_ ? i - cap_ : i; }
  void release() noexcept {
    for (std::size_t i = 0; i < size_; ++i) buf_[wrap(head_ + i)].~T();
    if (buf_ != nullptr) std::allocator<T>{}.deallocate(buf_, cap_);
    buf_ = nullptr;
    cap_ = size_ = head_ = 0;
  }

  T* buf_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace edo::detail
