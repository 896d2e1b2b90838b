// edo::sync::once_cell<T> — a value initialized once, asynchronously (Tokio's
// tokio::sync::OnceCell).
//
//   edo::sync::once_cell<connection_pool> pool;
//   const connection_pool& p = co_await pool.get_or_init([]() -> edo::task<connection_pool> {
//     co_return co_await connect_all();
//   });
//
// The first caller of get_or_init runs the initializer; concurrent callers wait for it
// (first come, first served) and get the same value. If the initializer throws, or the
// initializing task is cancelled, the value stays unset and the next waiting caller runs
// its own initializer. Once set, the value never changes (until the cell is destroyed):
// get() and get_or_init() return it without locking.
//
// Built on a one-permit edo::detail::batch_semaphore: initializing holds the permit;
// setting the value closes the semaphore, which releases every waiter to read it.
//
// g++ 12: name a lambda that captures objects with destructors before passing it in a
// co_await expression (`auto init = [pool]() -> edo::task<T> {...}; co_await
// cell.get_or_init(init);`): GCC PR 100611 destroys such temporaries twice (fixed in 13).
#pragma once

#include <atomic>
#include <coroutine>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include <edo/sync/detail/batch_semaphore.hpp>
#include <edo/task.hpp>

namespace edo::sync {

template <class T>
class once_cell {
 public:
  once_cell() noexcept {}
  // A cell already holding `value`.
  explicit once_cell(T value) : sem_(0) {
    ::new (static_cast<void*>(std::addressof(value_))) T(std::move(value));
    // ordering: relaxed: the cell is not shared yet (its construction publishes it).
    ready_.store(true, std::memory_order_relaxed);
    sem_.close();
  }
  once_cell(const once_cell&) = delete;
  once_cell& operator=(const once_cell&) = delete;
  // Precondition: no get_or_init in progress.
  ~once_cell() {
    // ordering: acquire: the value written by the initializer (on any thread) is destroyed here.
    if (ready_.load(std::memory_order_acquire)) value_.~T();
  }

  bool initialized() const noexcept {
    // ordering: acquire pairs with the release store that follows the value's
    // construction.
    return ready_.load(std::memory_order_acquire);
  }
  // The value, or null if not initialized yet.
  const T* get() const noexcept { return initialized() ? std::addressof(value_) : nullptr; }
  T* get() noexcept { return initialized() ? std::addressof(value_) : nullptr; }

  // Sets the value if the cell is empty and nobody is initializing it. False otherwise (the
  // value is dropped).
  bool set(T value) {
    if (sem_.try_acquire(1) != detail::batch_semaphore::try_result::acquired) return false;
    publish(std::move(value));
    return true;
  }

  template <class F>
  class [[nodiscard]] get_or_init_awaitable {
   public:
    using edo_awaitable = void;
    get_or_init_awaitable(once_cell* c, F f) : c_(c), f_(std::move(f)) {}
    get_or_init_awaitable(get_or_init_awaitable&& o) noexcept(
        std::is_nothrow_move_constructible_v<F>)
        : c_(o.c_), f_(std::move(o.f_)) {}

    // Set already: no frame, no lock.
    bool await_ready() {
      if (c_->initialized()) return true;
      inner_.emplace(c_->init_slow(std::move(f_)).operator co_await());
      return false;
    }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      return inner_->await_suspend(h);
    }
    const T& await_resume() {
      if (!inner_) return c_->value_;
      return inner_->await_resume();
    }

   private:
    once_cell* c_;
    F f_;
    std::optional<typename task<const T&>::awaiter> inner_;
  };

  // The value; if unset, runs `f()` (an edo awaitable yielding T, e.g. a coroutine
  // returning edo::task<T>) to set it, or waits for the caller already doing so. `f` is
  // stored in the awaitable (its captures live as long as the initialization).
  //
  // Cancel safety: waiting for another caller's initialization is cancel safe (it loses its
  // place in the queue). Cancelling the caller that runs the initializer abandons the
  // initialization: the cell stays empty and the next waiting caller initializes it.
  template <class F>
  get_or_init_awaitable<std::decay_t<F>> get_or_init(F&& f) {
    return get_or_init_awaitable<std::decay_t<F>>(this, std::forward<F>(f));
  }

 private:
  // Waits for the permit (or the close that means "set"); true if we hold the permit.
  class init_permit_awaitable final : public detail::acquire_waiter {
   public:
    explicit init_permit_awaitable(detail::batch_semaphore& s) noexcept : acquire_waiter(s, 1) {}
    bool await_resume() noexcept {
      const bool got = acquired();
      consumed();
      return got;
    }
  };

  // Releases the permit unless the value was published (an exception or a cancellation
  // tore the initializer down).
  struct permit_guard {
    detail::batch_semaphore* sem;
    ~permit_guard() {
      if (sem != nullptr) sem->release(1);
    }
  };

  template <class F>
  task<const T&> init_slow(F f) {
    init_permit_awaitable acquire(sem_);  // named: g++ 12 (PR 100611)
    if (co_await acquire) {
      permit_guard g{&sem_};
      if (!initialized()) {
        T v = co_await std::invoke(f);
        publish(std::move(v));
        g.sem = nullptr;  // closed: the permit is gone with the semaphore
      }
    }
    co_return value_;
  }

  void publish(T&& v) {
    ::new (static_cast<void*>(std::addressof(value_))) T(std::move(v));
    // ordering: release pairs with initialized()'s acquire.
    ready_.store(true, std::memory_order_release);
    sem_.close();  // every waiter (and later caller) now reads the value
  }

  std::atomic<bool> ready_{false};
  detail::batch_semaphore sem_{1};
  union {
    T value_;
  };
};

}  // namespace edo::sync
