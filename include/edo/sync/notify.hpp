// edo::sync::notify — wake one task or all waiting tasks (Tokio's tokio::sync::Notify).
//
//   edo::sync::notify ready;
//   // consumer                          // producer
//   co_await ready.notified();           ready.notify_one();
//
// notify_one() wakes the oldest waiter; if nobody waits it stores one permit (at most one)
// that the next notified() consumes at once — so a notify_one that comes before the wait
// is not lost. notify_waiters() wakes every waiter registered at that moment and stores no
// permit; a notified() created before the call (even if not awaited or enabled yet)
// counts as registered, as in Tokio.
//
// A notified_awaitable can be enable()d before it is awaited: from then on it is in the
// queue and a notify_one between enable() and the co_await is not lost. An enabled
// awaitable must not move (it is linked into the notify's list by address).
//
//   auto n = ready.notified();
//   n.enable();                          // registered: check the condition, then wait
//   if (!condition()) co_await n;
//
// state_ (one atomic word): bits 0-1 empty / notified (a stored permit) / waiting (the
// list is non-empty; changed only under the lock); bits 2.. count the notify_waiters()
// calls. notify_one with nobody waiting and a notified() finding a stored permit are one
// CAS each, no lock.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <cstdlib>

#include <edo/detail/config.hpp>
#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>

namespace edo::sync {

class notify;

// The future of notify::notified().
class EDO_API notified_awaitable final : public detail::waiter {
 public:
  explicit notified_awaitable(notify& n) noexcept;
  // Only before enable() or the first await (precondition): a registered awaitable is
  // linked by address.
  notified_awaitable(const notified_awaitable& o) noexcept;
  notified_awaitable& operator=(const notified_awaitable&) = delete;
  // Unregisters; a notify_one received but never consumed goes on to the next waiter.
  ~notified_awaitable();

  // Registers for notifications now, before awaiting: a notify_one from now on completes
  // this awaitable. Consumes a stored permit. True if already notified.
  bool enable() noexcept;

  bool await_ready() noexcept;
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    if (ready_now_) {
      complete_now();
      return true;
    }
    return park();
  }
  void await_resume() noexcept { consumed_ = true; }

 private:
  friend class notify;
  enum class state : std::uint8_t {
    init,     // not registered
    waiting,  // linked in the notify's list (guarded by its lock)
    done,     // notified (by notify_one or notify_waiters)
  };
  enum class how : std::uint8_t { none, one, all };

  bool park() noexcept;
  bool cancel() noexcept override;
  void give_back() noexcept override;
  // Under the notify's lock: unlink a waiting node, keeping state_ consistent.
  void unlink_locked() noexcept;

  notify* n_;
  std::uint64_t calls_;        // notify_waiters() calls seen at creation
  state state_ = state::init;  // guarded by the lock once enabled
  how how_ = how::none;        // guarded by the lock once enabled
  bool has_strand_ = false;    // suspended on it: the notifier must wake (guarded)
  // Owner-only flags (never touched by notifiers).
  bool enabled_ = false;
  bool done_seen_ = false;  // the owner observed state_ == done
  bool consumed_ = false;   // await_resume ran, or the notification was passed on
  bool ready_now_ = false;
};

class EDO_API notify {
 public:
  notify() noexcept = default;
  notify(const notify&) = delete;
  notify& operator=(const notify&) = delete;
  // Precondition: nothing is registered.
  ~notify() = default;

  // Wakes the oldest waiter, or stores a permit for the next notified() if none waits.
  void notify_one() noexcept;
  // As notify_one, but wakes the newest waiter (Tokio's notify_last).
  void notify_last() noexcept;
  // Wakes every registered waiter; stores no permit.
  void notify_waiters() noexcept;

  // A future completed by the next notify_one (or a stored permit), or by a notify_waiters
  // called after its creation.
  //
  // Cancel safety: this method uses a queue to fairly distribute notifications in the
  // order they were requested. Cancelling a call to notified makes you lose your place in
  // the queue; a notify_one already delivered to it is passed on to the next waiter (or
  // stored as the permit), so it is never lost.
  notified_awaitable notified() noexcept { return notified_awaitable(*this); }

 private:
  friend class notified_awaitable;
  static constexpr std::uint64_t st_empty = 0;     // no permit, nobody waits
  static constexpr std::uint64_t st_notified = 1;  // one stored permit
  static constexpr std::uint64_t st_waiting = 2;   // the list is non-empty
  static constexpr std::uint64_t st_mask = 3;
  static constexpr std::uint64_t calls_one = 4;  // notify_waiters() counter unit

  void notify_with(bool last) noexcept;

  std::atomic<std::uint64_t> state_{st_empty};
  detail::sync_lock lock_;
  detail::wait_list<notified_awaitable> waiters_;
};

}  // namespace edo::sync
