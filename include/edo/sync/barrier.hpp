// edo::sync::barrier — n tasks wait until all n have arrived (Tokio's tokio::sync::Barrier).
//
//   edo::sync::barrier b(3);
//   auto r = co_await b.wait();        // the third arrival releases all three
//   if (r.is_leader()) { ... }         // exactly one of them per generation
//
// The barrier is reusable: after n arrivals it starts a new generation. The last task to
// arrive is the generation's leader; it returns at once, the others when woken. A barrier
// of 0 parties behaves as one of 1 (every wait returns at once, as leader).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include <edo/detail/config.hpp>
#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>

namespace edo::sync {

class barrier;

class barrier_wait_result {
 public:
  explicit barrier_wait_result(bool leader) noexcept : leader_(leader) {}
  // True for exactly one task of each generation (the last to arrive).
  bool is_leader() const noexcept { return leader_; }

 private:
  bool leader_;
};

class EDO_API barrier {
 public:
  explicit barrier(std::size_t n) noexcept : n_(n == 0 ? 1 : n) {}
  barrier(const barrier&) = delete;
  barrier& operator=(const barrier&) = delete;
  // Precondition: nobody waits.
  ~barrier() = default;

  class EDO_API wait_awaitable final : public detail::waiter {
   public:
    explicit wait_awaitable(barrier& b) noexcept : b_(&b) {}
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
      suspend(h);
      return arrive();
    }
    barrier_wait_result await_resume() const noexcept { return barrier_wait_result(leader_); }

   private:
    friend class barrier;
    bool arrive() noexcept;
    bool cancel() noexcept override;

    barrier* b_;
    bool linked_ = false;  // guarded by the barrier's lock
    bool leader_ = false;
  };

  // Arrives and waits for the generation to fill up.
  //
  // Cancel safety: cancel safe. A wait cancelled before its generation filled up
  // withdraws its arrival (the generation still needs n arrivals); one cancelled after the
  // generation was released counted as an arrival of that generation.
  wait_awaitable wait() noexcept { return wait_awaitable(*this); }

  std::size_t parties() const noexcept { return n_; }

 private:
  detail::sync_lock lock_;
  const std::size_t n_;
  std::size_t arrived_ = 0;       // in the current generation (guarded)
  std::uint64_t generation_ = 0;  // guarded
  detail::wait_list<wait_awaitable> waiters_;
};

}  // namespace edo::sync
