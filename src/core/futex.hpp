// Blocking on a 32-bit atomic: futex wait/wake for the parkers (driver/parker.cpp,
// driver/driver.cpp), std::atomic wait/notify for the block_on and current-thread cores
// (thread_wait/thread_notify).
//
// Under ThreadSanitizer they are a condition variable instead: TSan runs signal handlers only
// inside the calls it intercepts, and a raw futex syscall is not one of them, so a worker
// parked on a futex (std::atomic::wait is one too) would hold a SIGTERM back until something
// woke it (seen as `observe --serve` ignoring SIGTERM until its timer: the kernel gives
// process-directed signals to the main thread, waiting in block_on). pthread_cond_timedwait is a
// blocking interceptor: signals are delivered while waiting in it. Both variants may wake
// spuriously; callers re-check their state.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#if defined(__SANITIZE_THREAD__)
#define EDO_FUTEX_CONDVAR 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EDO_FUTEX_CONDVAR 1
#endif
#endif

#ifdef EDO_FUTEX_CONDVAR
#include <condition_variable>
#include <cstddef>
#include <mutex>
#else
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>
#endif

namespace edo::detail {

#ifdef EDO_FUTEX_CONDVAR

struct futex_bucket {
  std::mutex mu;
  std::condition_variable cv;
};

inline futex_bucket& futex_bucket_of(const void* addr) noexcept {
  static futex_bucket buckets[64];
  return buckets[(reinterpret_cast<std::uintptr_t>(addr) >> 6) % 64];
}

// Blocks while *addr == expected, at most `timeout` (none: no limit).
inline void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t expected,
                       std::optional<std::chrono::nanoseconds> timeout) noexcept {
  futex_bucket& b = futex_bucket_of(addr);
  std::unique_lock lk(b.mu);
  // ordering: the value is re-read under the bucket lock, which futex_wake takes after the
  // waker's store, so a wake between the check and the wait is not lost.
  const auto still = [&] { return addr->load(std::memory_order_acquire) == expected; };
  if (timeout) {
    b.cv.wait_for(lk, *timeout, [&] { return !still(); });
  } else {
    b.cv.wait(lk, [&] { return !still(); });
  }
}

inline void futex_wake(std::atomic<std::uint32_t>* addr) noexcept {
  futex_bucket& b = futex_bucket_of(addr);
  { std::lock_guard lk(b.mu); }
  b.cv.notify_all();  // the bucket may hold other addresses' waiters: wake them all
}

#else

// Blocks while *addr == expected, at most `timeout` (none: no limit); may wake spuriously.
inline void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t expected,
                       std::optional<std::chrono::nanoseconds> timeout) noexcept {
  struct timespec ts {};
  if (timeout) {
    ts.tv_sec = static_cast<time_t>(timeout->count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout->count() % 1'000'000'000);
  }
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_PRIVATE, expected,
            timeout ? &ts : nullptr, nullptr, 0);
}

inline void futex_wake(std::atomic<std::uint32_t>* addr) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
}

#endif

// std::atomic<uint32_t>::wait(old) / notify_one(), except under TSan (see above).
inline void thread_wait(std::atomic<std::uint32_t>& a, std::uint32_t old) noexcept {
#ifdef EDO_FUTEX_CONDVAR
  futex_wait(&a, old, std::nullopt);
#else
  a.wait(old, std::memory_order_acquire);
#endif
}

inline void thread_notify(std::atomic<std::uint32_t>& a) noexcept {
#ifdef EDO_FUTEX_CONDVAR
  futex_wake(&a);
#else
  a.notify_one();
#endif
}

}  // namespace edo::detail
