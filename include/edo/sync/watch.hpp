// edo::sync::watch — a single value that many receivers observe (Tokio's
// tokio::sync::watch): the sender publishes new versions, receivers wait for changes and
// look at the latest one. Intermediate versions may be skipped; only the latest counts.
//
//   auto [tx, rx] = edo::sync::watch::channel<config>(load());
//   // a worker:
//   while (co_await rx.changed()) {               // false once the sender is gone
//     config c = *rx.borrow_and_update();         // copy out; don't hold the borrow
//     apply(c);
//   }
//   // the publisher:
//   tx.send_modify([](config& c) { c.max_conns = 512; });
//
// A receiver remembers the version it saw last: changed() completes as soon as a newer
// one exists (at once if it already does) and marks it seen. borrow() reads the current
// value without marking it seen; borrow_and_update() marks it seen. A borrow holds a
// read lock on the value: keep it short and never hold it across a co_await (the sender
// would block).
//
// The value is guarded by a std::shared_mutex (many concurrent borrows); the waiting
// receivers are an intrusive list under a sync_lock. Sending wakes every waiting
// receiver. Receivers are copyable (a copy has seen what the original has seen).
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include <edo/sync/detail/lock.hpp>
#include <edo/sync/detail/waiter.hpp>
#include <edo/sync/send_result.hpp>

namespace edo::detail {

template <class T>
class watch_changed_waiter;

template <class T>
struct watch_shared {
  template <class... A>
  explicit watch_shared(A&&... a) : value_(std::forward<A>(a)...) {}

  std::shared_mutex value_lock_;
  T value_;  // guarded by value_lock_
  // version << 1 | closed. The version grows by one per published value; closed: the
  // sender is gone. Changed only in publish(), under lock_ (and, for a new version, under
  // the value lock as well, so that a borrow sees the version of the value it holds).
  // ordering: release increments (after writing the value) / acquire loads by receivers.
  std::atomic<std::uint64_t> version_{0};
  // Receiver handles. ordering: increments relaxed (made from an existing handle or by the
  // sender); the last decrement is acq_rel and pairs with closed()'s acquire loads.
  std::atomic<std::size_t> rx_count_{1};
  std::atomic<std::uint32_t> refs_{2};  // the sender + all receivers together

  detail::sync_lock lock_;
  detail::wait_list<watch_changed_waiter<T>> waiters_;  // receivers in changed()
  detail::wait_list<detail::waiter> tx_closed_;         // sender's closed()

  static constexpr std::uint64_t closed_bit = 1;
  static constexpr std::uint64_t version_one = 2;

  // Publishes a version change (`add` to version_: a new version, or the closed bit) and
  // takes every waiting receiver into `wakes`, in one critical section of lock_: a receiver
  // registers (re-checking the version under lock_) either before, and is woken, or after,
  // and sees the change. So no wake is spurious: a woken changed() always finds a newer
  // version or the close. (Bumping first and waking in a second critical section would let
  // a receiver that saw the new version lock-free register again and be woken by it.)
  void publish(std::uint64_t add, wake_batch& wakes) noexcept;
  void release() noexcept {
    // ordering: acq_rel: the last handle sees the others' writes before freeing.
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

template <class T>
class watch_changed_waiter : public waiter {
 protected:
  watch_changed_waiter(watch_shared<T>* s, std::uint64_t* seen) noexcept : s_(s), seen_(seen) {}
  watch_changed_waiter(const watch_changed_waiter& o) noexcept
      : waiter(o), s_(o.s_), seen_(o.seen_) {}

  bool cancel() noexcept override {
    detail::sync_guard g(s_->lock_);
    if (!linked_) return false;
    s_->waiters_.remove(this);
    linked_ = false;
    return true;
  }
  // Nothing to give back: the version is marked seen only in await_resume.

  friend struct watch_shared<T>;
  watch_shared<T>* s_;
  std::uint64_t* seen_;  // the receiver's last seen version
  bool linked_ = false;  // guarded by the lock
};

template <class T>
void watch_shared<T>::publish(std::uint64_t add, wake_batch& wakes) noexcept {
  lock_.lock();
  // ordering: release publishes the new value (or the close) to the receivers' acquire
  // loads of version_.
  version_.fetch_add(add, std::memory_order_release);
  while (watch_changed_waiter<T>* w = waiters_.pop_front()) {
    w->linked_ = false;
    wakes.push(w);
  }
  lock_.unlock();
}

}  // namespace edo::detail

namespace edo::sync::watch {

template <class T>
class sender;
template <class T>
class receiver;

template <class T>
class [[nodiscard]] changed_awaitable final : public detail::watch_changed_waiter<T> {
  using base = detail::watch_changed_waiter<T>;

 public:
  changed_awaitable(detail::watch_shared<T>* s, std::uint64_t* seen) noexcept : base(s, seen) {}

  bool await_ready() noexcept {
    // ordering: acquire pairs with the sender's release increment.
    const std::uint64_t v = this->s_->version_.load(std::memory_order_acquire);
    if ((v >> 1) == *this->seen_ && (v & detail::watch_shared<T>::closed_bit) == 0) return false;
    if (this->consume_budget()) return true;
    ready_now_ = true;
    return false;
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    this->suspend(h);
    if (ready_now_) {
      this->complete_now();
      return true;
    }
    detail::watch_shared<T>& s = *this->s_;
    s.lock_.lock();
    // Re-check under the lock: the sender changes the version and takes the waiters in
    // one critical section of it (see watch_shared::publish).
    // ordering: acquire, as in await_ready.
    const std::uint64_t v = s.version_.load(std::memory_order_acquire);
    if ((v >> 1) != *this->seen_ || (v & detail::watch_shared<T>::closed_bit) != 0) {
      s.lock_.unlock();
      return this->finish_inline();
    }
    this->linked_ = true;
    s.waiters_.push_back(this);
    s.lock_.unlock();
    return true;
  }
  // True: a version newer than the last seen exists (now marked seen). False: the sender
  // is gone and nothing new was published.
  bool await_resume() noexcept {
    // ordering: acquire pairs with the sender's release increment: the new value is visible.
    const std::uint64_t v = this->s_->version_.load(std::memory_order_acquire);
    if ((v >> 1) == *this->seen_) return false;
    *this->seen_ = v >> 1;
    return true;
  }

 private:
  bool ready_now_ = false;
};

// A read-locked view of the value (Tokio's watch::Ref). Do not hold it across a co_await.
template <class T>
class ref {
 public:
  const T& operator*() const noexcept { return *v_; }
  const T* operator->() const noexcept { return v_; }
  // Whether this value was unseen by the receiver when borrowed.
  bool has_changed() const noexcept { return changed_; }

 private:
  friend class sender<T>;
  friend class receiver<T>;
  ref(std::shared_mutex& m, const T& v, bool changed) : lock_(m), v_(&v), changed_(changed) {}
  std::shared_lock<std::shared_mutex> lock_;
  const T* v_;
  bool changed_;
};

// sender::closed(): completes once every receiver is gone.
class [[nodiscard]] closed_awaitable final : public detail::waiter {
 public:
  template <class T>
  explicit closed_awaitable(detail::watch_shared<T>* s) noexcept
      : lock_(&s->lock_), list_(&s->tx_closed_), rx_count_(&s->rx_count_) {}
  closed_awaitable(const closed_awaitable& o) noexcept
      : waiter(o), lock_(o.lock_), list_(o.list_), rx_count_(o.rx_count_) {}

  bool await_ready() const noexcept {
    // ordering: acquire pairs with the last receiver's release decrement.
    return rx_count_->load(std::memory_order_acquire) == 0;
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    lock_->lock();
    // ordering: acquire, as in await_ready.
    if (rx_count_->load(std::memory_order_acquire) == 0) {
      lock_->unlock();
      return finish_inline();
    }
    linked_ = true;
    list_->push_back(this);
    lock_->unlock();
    return true;
  }
  void await_resume() const noexcept {}

 private:
  template <class>
  friend class receiver;
  bool cancel() noexcept override {
    detail::sync_guard g(*lock_);
    if (!linked_) return false;
    list_->remove(this);
    linked_ = false;
    return true;
  }
  detail::sync_lock* lock_;
  detail::wait_list<detail::waiter>* list_;
  std::atomic<std::size_t>* rx_count_;
  bool linked_ = false;
};

template <class T>
class receiver {
 public:
  receiver(const receiver& o) noexcept : s_(o.s_), seen_(o.seen_) {
    // ordering: a new handle from an existing one.
    s_->rx_count_.fetch_add(1, std::memory_order_relaxed);
  }
  receiver(receiver&& o) noexcept : s_(std::exchange(o.s_, nullptr)), seen_(o.seen_) {}
  receiver& operator=(receiver o) noexcept {
    std::swap(s_, o.s_);
    std::swap(seen_, o.seen_);
    return *this;
  }
  ~receiver() { reset(); }

  // The current value, read-locked. Does not mark it seen.
  ref<T> borrow() const {
    ref<T> r(s_->value_lock_, s_->value_, false);
    // ordering: acquire pairs with the sender's release increment (read under the value lock).
    r.changed_ = (s_->version_.load(std::memory_order_acquire) >> 1) != seen_;
    return r;
  }
  // The current value, read-locked, marked seen.
  ref<T> borrow_and_update() {
    ref<T> r(s_->value_lock_, s_->value_, false);
    // Read the version under the value lock: it is the version of the value we hold.
    // ordering: acquire, as borrow(); under the value lock it is the version of the value held.
    const std::uint64_t v = s_->version_.load(std::memory_order_acquire);
    r.changed_ = (v >> 1) != seen_;
    seen_ = v >> 1;
    return r;
  }
  // Whether a value newer than the last seen exists.
  bool has_changed() const noexcept {
    // ordering: acquire pairs with the sender's release increment.
    return (s_->version_.load(std::memory_order_acquire) >> 1) != seen_;
  }
  // Marks the current value seen / unseen.
  // ordering: acquire, as has_changed().
  void mark_unchanged() noexcept { seen_ = s_->version_.load(std::memory_order_acquire) >> 1; }
  void mark_changed() noexcept { seen_ = ~std::uint64_t{0} >> 1; }

  // Waits for a value newer than the last seen and marks it seen. False once the sender
  // is gone without a newer value.
  //
  // Cancel safety: this method is cancel safe: a cancelled changed() marks nothing seen.
  changed_awaitable<T> changed() noexcept { return changed_awaitable<T>(s_, &seen_); }

  // True once the sender is gone.
  bool is_closed() const noexcept {
    // ordering: acquire pairs with the sender's release fetch_or at drop.
    return (s_->version_.load(std::memory_order_acquire) & detail::watch_shared<T>::closed_bit) !=
           0;
  }
  bool same_channel(const receiver& o) const noexcept { return s_ == o.s_; }

 private:
  friend class sender<T>;
  template <class U, class... A>
  friend std::pair<sender<U>, receiver<U>> channel(A&&... args);
  receiver(detail::watch_shared<T>* s, std::uint64_t seen) noexcept : s_(s), seen_(seen) {}
  void reset() noexcept {
    if (s_ == nullptr) return;
    detail::watch_shared<T>* s = std::exchange(s_, nullptr);
    // ordering: release pairs with closed_awaitable's acquire load.
    if (s->rx_count_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      detail::wake_batch wakes;
      s->lock_.lock();
      while (auto* w = s->tx_closed_.pop_front()) {
        static_cast<closed_awaitable*>(w)->linked_ = false;
        wakes.push(w);
      }
      s->lock_.unlock();
      wakes.wake_all();
      s->release();  // the receivers' reference
    }
  }

  detail::watch_shared<T>* s_;
  std::uint64_t seen_;
};

template <class T>
class sender {
 public:
  sender(sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  sender& operator=(sender&& o) noexcept {
    if (this != &o) {
      reset();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  sender(const sender&) = delete;
  sender& operator=(const sender&) = delete;
  // Closes the channel: receivers' changed() returns false once they saw the last value.
  ~sender() { reset(); }

  // Publishes `value` and wakes the receivers. Fails with the value back (nothing
  // published) when there is no receiver, as Tokio's send.
  send_result<T> send(T value) {
    // ordering: relaxed: a snapshot (Tokio's send is as racy with receivers coming and going).
    if (s_->rx_count_.load(std::memory_order_relaxed) == 0) {
      return send_result<T>(send_status::closed, std::move(value));
    }
    send_replace(std::move(value));
    return {};
  }
  // Publishes `value` even without receivers; returns the previous value.
  T send_replace(T value) {
    detail::wake_batch wakes;  // woken after both locks are released
    {
      std::unique_lock<std::shared_mutex> g(s_->value_lock_);
      std::swap(value, s_->value_);
      s_->publish(detail::watch_shared<T>::version_one, wakes);
    }
    wakes.wake_all();
    return value;
  }
  // Modifies the value in place and publishes it (even without receivers).
  template <class F>
  void send_modify(F&& f) {
    send_if_modified([&](T& v) {
      std::forward<F>(f)(v);
      return true;
    });
  }
  // Modifies the value in place; publishes (and wakes) only if `f` returns true.
  template <class F>
  bool send_if_modified(F&& f) {
    bool modified;
    detail::wake_batch wakes;  // woken after both locks are released
    {
      std::unique_lock<std::shared_mutex> g(s_->value_lock_);
      modified = std::forward<F>(f)(s_->value_);
      if (modified) s_->publish(detail::watch_shared<T>::version_one, wakes);
    }
    wakes.wake_all();
    return modified;
  }

  ref<T> borrow() const { return ref<T>(s_->value_lock_, s_->value_, false); }
  // A receiver that has seen the current value.
  receiver<T> subscribe() {
    // The receivers' reference is released when their count reaches 0: the first new
    // receiver takes it back (only the sender can create a receiver from none).
    // ordering: relaxed: the sender holds its own reference meanwhile.
    if (s_->rx_count_.fetch_add(1, std::memory_order_relaxed) == 0) {
      s_->refs_.fetch_add(1, std::memory_order_relaxed);
    }
    return receiver<T>(s_, s_->version_.load(std::memory_order_acquire) >> 1);
  }
  std::size_t receiver_count() const noexcept {
    // ordering: relaxed: a snapshot.
    return s_->rx_count_.load(std::memory_order_relaxed);
  }
  bool is_closed() const noexcept { return receiver_count() == 0; }

  // Completes once every receiver is gone.
  //
  // Cancel safety: cancel safe.
  closed_awaitable closed() noexcept { return closed_awaitable(s_); }

 private:
  template <class U, class... A>
  friend std::pair<sender<U>, receiver<U>> channel(A&&... args);
  explicit sender(detail::watch_shared<T>* s) noexcept : s_(s) {}
  void reset() noexcept {
    if (s_ == nullptr) return;
    detail::watch_shared<T>* s = std::exchange(s_, nullptr);
    detail::wake_batch wakes;
    s->publish(detail::watch_shared<T>::closed_bit, wakes);  // the bit is clear: add sets it
    wakes.wake_all();
    s->release();
  }

  detail::watch_shared<T>* s_;
};

// A channel holding `args`-constructed initial value (version 0, seen by the receiver).
template <class T, class... A>
std::pair<sender<T>, receiver<T>> channel(A&&... args) {
  auto* s = new detail::watch_shared<T>(std::forward<A>(args)...);
  return {sender<T>(s), receiver<T>(s, 0)};
}

}  // namespace edo::sync::watch
