// edo::sync::mutex<T> — an asynchronous, fair mutex guarding a T (Tokio's
// tokio::sync::Mutex).
//
//   edo::sync::mutex<std::vector<int>> m;
//   {
//     auto g = co_await m.lock();    // mutex_guard: *g, g->
//     g->push_back(1);
//   }                                // unlocked here
//
//   auto shared = std::make_shared<edo::sync::mutex<int>>(0);
//   auto g = co_await lock_owned(shared);   // owned_mutex_guard keeps the mutex alive and
//   edo::spawn(use_guard, std::move(g));    // can move into another task
//
// Use it when the lock must be held across a co_await; for short critical sections
// without awaits std::mutex is cheaper. Lock requests are served first come, first served
// (FIFO): an unlock hands the lock to the oldest waiter, and a newcomer never barges ahead
// of a waiter. Uncontended lock + unlock is one CAS and one fetch_add (the mutex is a
// one-permit edo::detail::batch_semaphore); waiting allocates nothing.
//
// The mutex is neither copyable nor movable, and must outlive its guards and waiters.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include <edo/sync/detail/batch_semaphore.hpp>

namespace edo::sync {

template <class T>
class mutex;

// Holds the lock of a mutex<T>; unlocks when destroyed. Movable, not copyable.
template <class T>
class [[nodiscard]] mutex_guard {
 public:
  mutex_guard(mutex_guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  mutex_guard& operator=(mutex_guard&& o) noexcept {
    if (this != &o) {
      unlock();
      m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
  }
  mutex_guard(const mutex_guard&) = delete;
  mutex_guard& operator=(const mutex_guard&) = delete;
  ~mutex_guard() { unlock(); }

  T& operator*() const noexcept { return m_->value_; }
  T* operator->() const noexcept { return &m_->value_; }
  // Unlocks now (the guard becomes empty).
  void unlock() noexcept {
    if (m_ != nullptr) std::exchange(m_, nullptr)->sem_.release(1);
  }
  bool owns_lock() const noexcept { return m_ != nullptr; }
  mutex<T>* mutex_ptr() const noexcept { return m_; }

 private:
  friend class mutex<T>;
  explicit mutex_guard(mutex<T>* m) noexcept : m_(m) {}
  mutex<T>* m_;
};

// The guard of a mutex shared through std::shared_ptr (Tokio's OwnedMutexGuard): it keeps
// the mutex alive, so it can be moved into another task or stored.
template <class T>
class [[nodiscard]] owned_mutex_guard {
 public:
  owned_mutex_guard(owned_mutex_guard&& o) noexcept = default;
  owned_mutex_guard& operator=(owned_mutex_guard&& o) noexcept {
    if (this != &o) {
      unlock();
      m_ = std::move(o.m_);
    }
    return *this;
  }
  owned_mutex_guard(const owned_mutex_guard&) = delete;
  owned_mutex_guard& operator=(const owned_mutex_guard&) = delete;
  ~owned_mutex_guard() { unlock(); }

  T& operator*() const noexcept { return m_->value_; }
  T* operator->() const noexcept { return &m_->value_; }
  void unlock() noexcept {
    if (m_) {
      m_->sem_.release(1);
      m_.reset();
    }
  }
  bool owns_lock() const noexcept { return static_cast<bool>(m_); }
  const std::shared_ptr<mutex<T>>& mutex_ptr() const noexcept { return m_; }

 private:
  friend class mutex<T>;
  explicit owned_mutex_guard(std::shared_ptr<mutex<T>> m) noexcept : m_(std::move(m)) {}
  std::shared_ptr<mutex<T>> m_;
};

template <class T>
class mutex {
 public:
  // Constructs the guarded value from `args`.
  template <class... Args>
  explicit mutex(Args&&... args) : value_(std::forward<Args>(args)...) {}
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  class [[nodiscard]] lock_awaitable final : public detail::acquire_waiter {
   public:
    explicit lock_awaitable(mutex& m) noexcept : acquire_waiter(m.sem_, 1), m_(&m) {}
    mutex_guard<T> await_resume() noexcept {
      consumed();
      return mutex_guard<T>(m_);
    }

   private:
    mutex* m_;
  };

  class [[nodiscard]] lock_owned_awaitable final : public detail::acquire_waiter {
   public:
    explicit lock_owned_awaitable(std::shared_ptr<mutex> m) noexcept
        : acquire_waiter(m->sem_, 1), m_(std::move(m)) {}
    owned_mutex_guard<T> await_resume() noexcept {
      consumed();
      return owned_mutex_guard<T>(std::move(m_));
    }

   private:
    std::shared_ptr<mutex> m_;
  };

  // Locks, waiting for the holder and for every earlier waiter.
  //
  // Cancel safety: this method uses a queue to fairly distribute locks in the order they
  // were requested. Cancelling a call to lock makes you lose your place in the queue. A
  // lock handed to a call that is cancelled before it resumes is released at once.
  lock_awaitable lock() noexcept { return lock_awaitable(*this); }

  // Locks now if the mutex is free and nobody waits; empty otherwise.
  std::optional<mutex_guard<T>> try_lock() noexcept {
    if (sem_.try_acquire(1) != detail::batch_semaphore::try_result::acquired) return std::nullopt;
    return mutex_guard<T>(this);
  }

  // Owned locking of a mutex shared through std::shared_ptr. Cancel safety: as lock().
  static lock_owned_awaitable lock_owned(std::shared_ptr<mutex> m) noexcept {
    return lock_owned_awaitable(std::move(m));
  }
  static std::optional<owned_mutex_guard<T>> try_lock_owned(std::shared_ptr<mutex> m) noexcept {
    if (m->sem_.try_acquire(1) != detail::batch_semaphore::try_result::acquired) {
      return std::nullopt;
    }
    return owned_mutex_guard<T>(std::move(m));
  }

  // The value, without locking: only when nothing else can use the mutex (Tokio's
  // get_mut, which needs &mut self).
  T& get_mut() noexcept { return value_; }

 private:
  friend class mutex_guard<T>;
  friend class owned_mutex_guard<T>;
  detail::batch_semaphore sem_{1};
  T value_;
};

// co_await lock_owned(shared_mutex_ptr) → owned_mutex_guard<T>. Cancel safety: as lock().
template <class T>
typename mutex<T>::lock_owned_awaitable lock_owned(std::shared_ptr<mutex<T>> m) noexcept {
  return mutex<T>::lock_owned(std::move(m));
}
template <class T>
std::optional<owned_mutex_guard<T>> try_lock_owned(std::shared_ptr<mutex<T>> m) noexcept {
  return mutex<T>::try_lock_owned(std::move(m));
}

}  // namespace edo::sync
