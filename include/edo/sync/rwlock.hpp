// edo::sync::rwlock<T> — an asynchronous, fair, write-preferring reader-writer lock
// (Tokio's tokio::sync::RwLock).
//
//   edo::sync::rwlock<config> cfg(initial);
//   { auto r = co_await cfg.read();  use(r->port); }      // many readers at once
//   { auto w = co_await cfg.write(); w->port = 8080; }    // one writer, no readers
//
// The lock is a FIFO semaphore of max_readers permits: a read takes one, a write takes
// all of them. Requests are served in order: a waiting writer at the head of the queue
// takes every released read permit until it has them all, so readers that arrive after a
// writer wait behind it (no writer starvation), and a writer waits for the readers that
// came before it. At most max_readers read guards exist at once (Tokio's
// MAX_READS by default); a further read waits.
//
// The lock is neither copyable nor movable and must outlive its guards and waiters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

#include <edo/sync/detail/batch_semaphore.hpp>

namespace edo::sync {

template <class T>
class rwlock;

// Shared access; releases its read permit when destroyed.
template <class T>
class [[nodiscard]] rwlock_read_guard {
 public:
  rwlock_read_guard(rwlock_read_guard&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
  rwlock_read_guard& operator=(rwlock_read_guard&& o) noexcept {
    if (this != &o) {
      unlock();
      l_ = std::exchange(o.l_, nullptr);
    }
    return *this;
  }
  rwlock_read_guard(const rwlock_read_guard&) = delete;
  rwlock_read_guard& operator=(const rwlock_read_guard&) = delete;
  ~rwlock_read_guard() { unlock(); }

  const T& operator*() const noexcept { return l_->value_; }
  const T* operator->() const noexcept { return &l_->value_; }
  void unlock() noexcept {
    if (l_ != nullptr) std::exchange(l_, nullptr)->sem_.release(1);
  }

 private:
  friend class rwlock<T>;
  template <class>
  friend class rwlock_write_guard;
  explicit rwlock_read_guard(rwlock<T>* l) noexcept : l_(l) {}
  rwlock<T>* l_;
};

// Exclusive access; releases every permit when destroyed.
template <class T>
class [[nodiscard]] rwlock_write_guard {
 public:
  rwlock_write_guard(rwlock_write_guard&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
  rwlock_write_guard& operator=(rwlock_write_guard&& o) noexcept {
    if (this != &o) {
      unlock();
      l_ = std::exchange(o.l_, nullptr);
    }
    return *this;
  }
  rwlock_write_guard(const rwlock_write_guard&) = delete;
  rwlock_write_guard& operator=(const rwlock_write_guard&) = delete;
  ~rwlock_write_guard() { unlock(); }

  T& operator*() const noexcept { return l_->value_; }
  T* operator->() const noexcept { return &l_->value_; }
  void unlock() noexcept {
    if (l_ != nullptr) {
      rwlock<T>* l = std::exchange(l_, nullptr);
      l->sem_.release(l->max_readers_);
    }
  }
  // Turns the write access into read access atomically: no writer can get in between.
  // Waiting readers (up to the next queued writer) are let in.
  rwlock_read_guard<T> downgrade() && noexcept {
    rwlock<T>* l = std::exchange(l_, nullptr);
    l->sem_.release(l->max_readers_ - 1);
    return rwlock_read_guard<T>(l);
  }

 private:
  friend class rwlock<T>;
  explicit rwlock_write_guard(rwlock<T>* l) noexcept : l_(l) {}
  rwlock<T>* l_;
};

template <class T>
class rwlock {
 public:
  // Tokio's MAX_READS (u32::MAX >> 3).
  static constexpr std::uint32_t max_reads = 0xffffffffu >> 3;

  template <class... Args>
  explicit rwlock(Args&&... args) : value_(std::forward<Args>(args)...) {}
  // A lock allowing at most `max_readers` (1 .. max_reads) concurrent readers; throws
  // std::invalid_argument otherwise.
  //   auto l = edo::sync::rwlock<int>::with_max_readers(3, 0);
  template <class... Args>
  static rwlock with_max_readers(std::uint32_t max_readers, Args&&... args) {
    return rwlock(max_readers_tag{}, max_readers, std::forward<Args>(args)...);
  }
  rwlock(const rwlock&) = delete;
  rwlock& operator=(const rwlock&) = delete;

  class [[nodiscard]] read_awaitable final : public detail::acquire_waiter {
   public:
    explicit read_awaitable(rwlock& l) noexcept : acquire_waiter(l.sem_, 1), l_(&l) {}
    rwlock_read_guard<T> await_resume() noexcept {
      consumed();
      return rwlock_read_guard<T>(l_);
    }

   private:
    rwlock* l_;
  };

  class [[nodiscard]] write_awaitable final : public detail::acquire_waiter {
   public:
    explicit write_awaitable(rwlock& l) noexcept : acquire_waiter(l.sem_, l.max_readers_), l_(&l) {}
    rwlock_write_guard<T> await_resume() noexcept {
      consumed();
      return rwlock_write_guard<T>(l_);
    }

   private:
    rwlock* l_;
  };

  // Shared access, after every earlier request (in particular any waiting writer).
  //
  // Cancel safety: this method uses a queue to fairly distribute locks in the order they
  // were requested. Cancelling a call to read makes you lose your place in the queue; a
  // read lock handed to a cancelled call is released.
  read_awaitable read() noexcept { return read_awaitable(*this); }
  // Exclusive access, after every earlier request. Cancel safety: as read(); permits
  // already assigned to a cancelled write go to the requests behind it.
  write_awaitable write() noexcept { return write_awaitable(*this); }

  std::optional<rwlock_read_guard<T>> try_read() noexcept {
    if (sem_.try_acquire(1) != detail::batch_semaphore::try_result::acquired) return std::nullopt;
    return rwlock_read_guard<T>(this);
  }
  std::optional<rwlock_write_guard<T>> try_write() noexcept {
    if (sem_.try_acquire(max_readers_) != detail::batch_semaphore::try_result::acquired) {
      return std::nullopt;
    }
    return rwlock_write_guard<T>(this);
  }

  std::uint32_t max_readers() const noexcept { return max_readers_; }
  // The value, without locking: only when nothing else can use the lock.
  T& get_mut() noexcept { return value_; }

 private:
  friend class rwlock_read_guard<T>;
  friend class rwlock_write_guard<T>;
  struct max_readers_tag {};
  template <class... Args>
  rwlock(max_readers_tag, std::uint32_t max_readers, Args&&... args)
      : max_readers_(check(max_readers)), sem_(max_readers_), value_(std::forward<Args>(args)...) {}

  static std::uint32_t check(std::uint32_t n) {
    if (n == 0 || n > max_reads) {
      throw std::invalid_argument("edo::sync::rwlock: max_readers must be in 1 .. max_reads");
    }
    return n;
  }

  std::uint32_t max_readers_ = max_reads;
  detail::batch_semaphore sem_{max_readers_};
  T value_;
};

}  // namespace edo::sync
