// edo::sync::semaphore — a fair counting semaphore (Tokio's tokio::sync::Semaphore).
//
//   edo::sync::semaphore limit(2);                    // at most 2 requests in flight
//   auto permit = co_await limit.acquire();           // std::optional<semaphore_permit>
//   co_await fetch(url);                              // the permit is released at scope end
//
//   auto sem = std::make_shared<edo::sync::semaphore>(2);
//   auto p = co_await acquire_owned(sem);             // owned permit: movable into a task
//
// Acquisitions are served first come, first served: while anyone waits, a newcomer never
// takes permits, and a large acquire_many at the head of the queue holds back later small
// ones until it has all it asked for (released permits are assigned to the head first).
// acquire() returns an empty optional once the semaphore is closed. Permits are RAII: a
// permit releases its permits when destroyed unless forget() was called.
//
// Uncontended acquire is one CAS and release one fetch_add (no lock); the queue is an
// intrusive list of the waiting awaiters (no allocation). Thread-safe; usable under
// edo::block_on, either runtime, or any executor that keeps edo's wake contract.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include <edo/sync/detail/batch_semaphore.hpp>

namespace edo::sync {

class semaphore;

// Permits borrowed from a semaphore, released when destroyed. The semaphore must outlive
// it (use owned_semaphore_permit to share ownership).
class [[nodiscard]] semaphore_permit {
 public:
  semaphore_permit(semaphore_permit&& o) noexcept
      : sem_(std::exchange(o.sem_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  semaphore_permit& operator=(semaphore_permit&& o) noexcept {
    if (this != &o) {
      release();
      sem_ = std::exchange(o.sem_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  semaphore_permit(const semaphore_permit&) = delete;
  semaphore_permit& operator=(const semaphore_permit&) = delete;
  ~semaphore_permit() { release(); }

  std::size_t num_permits() const noexcept { return n_; }
  // Drops the permits without releasing them: the semaphore has that many fewer.
  void forget() noexcept {
    sem_ = nullptr;
    n_ = 0;
  }
  // Takes `other`'s permits into this one (both from the same semaphore).
  void merge(semaphore_permit&& other) noexcept;
  // Splits `n` permits off into a new permit; empty if this one holds fewer than `n`.
  std::optional<semaphore_permit> split(std::size_t n) noexcept {
    if (n > n_) return std::nullopt;
    n_ -= n;
    return semaphore_permit(sem_, n);
  }

 private:
  friend class semaphore;
  semaphore_permit(semaphore* s, std::size_t n) noexcept : sem_(s), n_(n) {}
  void release() noexcept;

  semaphore* sem_;
  std::size_t n_;
};

// Permits of a semaphore shared through std::shared_ptr (Tokio's OwnedSemaphorePermit):
// the permit keeps the semaphore alive, so it can move into another task.
class [[nodiscard]] owned_semaphore_permit {
  friend std::optional<owned_semaphore_permit> try_acquire_many_owned(std::shared_ptr<semaphore>,
                                                                      std::size_t) noexcept;

 public:
  owned_semaphore_permit(owned_semaphore_permit&& o) noexcept
      : sem_(std::move(o.sem_)), n_(std::exchange(o.n_, 0)) {}
  owned_semaphore_permit& operator=(owned_semaphore_permit&& o) noexcept {
    if (this != &o) {
      release();
      sem_ = std::move(o.sem_);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  owned_semaphore_permit(const owned_semaphore_permit&) = delete;
  owned_semaphore_permit& operator=(const owned_semaphore_permit&) = delete;
  ~owned_semaphore_permit() { release(); }

  std::size_t num_permits() const noexcept { return n_; }
  const std::shared_ptr<semaphore>& semaphore_ptr() const noexcept { return sem_; }
  void forget() noexcept {
    sem_.reset();
    n_ = 0;
  }
  void merge(owned_semaphore_permit&& other) noexcept;
  std::optional<owned_semaphore_permit> split(std::size_t n) {
    if (n > n_) return std::nullopt;
    n_ -= n;
    return owned_semaphore_permit(sem_, n);
  }

 private:
  friend class semaphore;
  owned_semaphore_permit(std::shared_ptr<semaphore> s, std::size_t n) noexcept
      : sem_(std::move(s)), n_(n) {}
  void release() noexcept;

  std::shared_ptr<semaphore> sem_;
  std::size_t n_;
};

class semaphore {
 public:
  // The most permits a semaphore can hold (Tokio's MAX_PERMITS).
  static constexpr std::size_t max_permits = detail::batch_semaphore::max_permits;

  // Throws std::length_error if `permits` > max_permits.
  explicit semaphore(std::size_t permits) : core_(check(permits)) {}
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;
  // Precondition: no acquisition is waiting.
  ~semaphore() = default;

  std::size_t available_permits() const noexcept { return core_.available(); }

  // Adds `n` permits, waking waiters (oldest first). Throws std::length_error if the
  // count would exceed max_permits.
  void add_permits(std::size_t n) {
    if (n > max_permits - available_permits()) {
      throw std::length_error("edo::sync::semaphore: add_permits would exceed max_permits");
    }
    core_.release(n);
  }
  // Removes up to `n` available permits (not those held by permits); returns how many.
  std::size_t forget_permits(std::size_t n) noexcept { return core_.forget(n); }

  // Closes the semaphore: waiting and future acquisitions return an empty optional.
  // Permits already held stay valid and may still be released.
  void close() noexcept { core_.close(); }
  bool is_closed() const noexcept { return core_.is_closed(); }

  // One permit now, or empty if none is available (or the semaphore is closed; is_closed()
  // tells which). Never barges ahead of waiters.
  std::optional<semaphore_permit> try_acquire() noexcept { return try_acquire_many(1); }
  std::optional<semaphore_permit> try_acquire_many(std::size_t n) noexcept {
    if (core_.try_acquire(n) != detail::batch_semaphore::try_result::acquired) {
      return std::nullopt;
    }
    return semaphore_permit(this, n);
  }

  class [[nodiscard]] acquire_awaitable final : public detail::acquire_waiter {
   public:
    acquire_awaitable(semaphore& s, std::size_t n) noexcept
        : acquire_waiter(s.core_, n), owner_(&s) {}
    std::optional<semaphore_permit> await_resume() noexcept {
      if (!acquired()) return std::nullopt;
      consumed();
      return semaphore_permit(owner_, needed());
    }

   private:
    semaphore* owner_;
  };

  // Waits for one permit; empty once the semaphore is closed.
  //
  // Cancel safety: this method uses a queue to fairly distribute permits in the order they
  // were requested. Cancelling a call to acquire makes you lose your place in the queue;
  // permits already assigned to it are given back (to the next waiters), and none is lost.
  acquire_awaitable acquire() noexcept { return acquire_awaitable(*this, 1); }
  // Waits for `n` permits at once (all or nothing); empty once closed. A waiting
  // acquire_many at the head of the queue takes released permits until it has `n`, holding
  // back later acquisitions. Requesting more than the semaphore will ever hold waits
  // forever (or until close()). Cancel safety: as acquire().
  acquire_awaitable acquire_many(std::size_t n) noexcept { return acquire_awaitable(*this, n); }

  class [[nodiscard]] acquire_owned_awaitable final : public detail::acquire_waiter {
   public:
    acquire_owned_awaitable(std::shared_ptr<semaphore> s, std::size_t n) noexcept
        : acquire_waiter(s->core_, n), owner_(std::move(s)) {}
    std::optional<owned_semaphore_permit> await_resume() noexcept {
      if (!acquired()) return std::nullopt;
      consumed();
      return owned_semaphore_permit(owner_, needed());
    }

   private:
    std::shared_ptr<semaphore> owner_;
  };

 private:
  friend class semaphore_permit;
  friend class owned_semaphore_permit;
  friend std::optional<owned_semaphore_permit> try_acquire_many_owned(std::shared_ptr<semaphore> s,
                                                                      std::size_t n) noexcept;

  static std::size_t check(std::size_t permits) {
    if (permits > max_permits) {
      throw std::length_error("edo::sync::semaphore: more than max_permits permits");
    }
    return permits;
  }

  detail::batch_semaphore core_;
};

// Owned acquisitions: the permit holds the std::shared_ptr. Cancel safety: as acquire().
inline semaphore::acquire_owned_awaitable acquire_owned(std::shared_ptr<semaphore> s) noexcept {
  return semaphore::acquire_owned_awaitable(std::move(s), 1);
}
inline semaphore::acquire_owned_awaitable acquire_many_owned(std::shared_ptr<semaphore> s,
                                                             std::size_t n) noexcept {
  return semaphore::acquire_owned_awaitable(std::move(s), n);
}
inline std::optional<owned_semaphore_permit> try_acquire_many_owned(std::shared_ptr<semaphore> s,
                                                                    std::size_t n) noexcept {
  if (s->core_.try_acquire(n) != detail::batch_semaphore::try_result::acquired) {
    return std::nullopt;
  }
  return owned_semaphore_permit(std::move(s), n);
}
inline std::optional<owned_semaphore_permit> try_acquire_owned(
    std::shared_ptr<semaphore> s) noexcept {
  return try_acquire_many_owned(std::move(s), 1);
}

inline void semaphore_permit::release() noexcept {
  if (sem_ != nullptr && n_ > 0) sem_->core_.release(n_);
  sem_ = nullptr;
  n_ = 0;
}
inline void semaphore_permit::merge(semaphore_permit&& other) noexcept {
  if (sem_ == nullptr) sem_ = other.sem_;
  n_ += std::exchange(other.n_, 0);
  other.sem_ = nullptr;
}
inline void owned_semaphore_permit::release() noexcept {
  if (sem_ && n_ > 0) sem_->core_.release(n_);
  sem_.reset();
  n_ = 0;
}
inline void owned_semaphore_permit::merge(owned_semaphore_permit&& other) noexcept {
  if (!sem_) sem_ = other.sem_;
  n_ += std::exchange(other.n_, 0);
  other.sem_.reset();
}

}  // namespace edo::sync
