// The epoll backend of the poller (see poller.hpp): one epoll instance per I/O driver, every
// fd registered once, edge-triggered, for input, output and peer shutdown; an eventfd
// (edge-triggered too) to wake the waiting thread.
//
// Edge-triggered means the kernel queues an event when the fd's readiness *changes* (for a
// socket: on every wake-up of its wait queue — new data, freed send space, a FIN); the
// driver keeps the last readiness in scheduled_io and the operations clear it when a system
// call says EAGAIN. So no epoll_ctl is made per operation, only per fd.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <system_error>

#include "io/sys/poller.hpp"

namespace edo::detail {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::uint8_t to_ready(std::uint32_t ev) noexcept {
  std::uint8_t r = 0;
  if ((ev & (EPOLLIN | EPOLLPRI)) != 0) r |= io_ready::readable;
  if ((ev & EPOLLOUT) != 0) r |= io_ready::writable;
  if ((ev & EPOLLRDHUP) != 0) r |= io_ready::read_closed | io_ready::readable;
  if ((ev & EPOLLHUP) != 0) {
    r |= io_ready::read_closed | io_ready::write_closed | io_ready::readable | io_ready::writable;
  }
  if ((ev & EPOLLERR) != 0) r |= io_ready::error | io_ready::readable | io_ready::writable;
  return r;
}

// ThreadSanitizer runs signal handlers only inside the calls it intercepts, and it does not
// intercept epoll_pwait2: a worker parked there with a timeout would hold a SIGTERM back
// until the timeout (seen as `observe --serve` ignoring SIGTERM for 20 s). TSan builds use
// epoll_wait, which it intercepts.
#if defined(__SANITIZE_THREAD__)
#define EDO_EPOLL_PWAIT2 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EDO_EPOLL_PWAIT2 0
#endif
#endif
#ifndef EDO_EPOLL_PWAIT2
#define EDO_EPOLL_PWAIT2 1
#endif

// epoll_pwait2 takes a timespec (ns); epoll_wait rounds to ms. Fall back on old kernels.
int wait_raw(int epfd, ::epoll_event* ev, int max,
             std::optional<std::chrono::nanoseconds> timeout) noexcept {
  static bool have_pwait2 =
      EDO_EPOLL_PWAIT2 != 0;  // benign race: every thread computes the same answer
  if (!timeout) return ::epoll_wait(epfd, ev, max, -1);
  if (timeout->count() <= 0) return ::epoll_wait(epfd, ev, max, 0);
  if (have_pwait2) {
    struct timespec ts {};
    ts.tv_sec = static_cast<time_t>(timeout->count() / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout->count() % 1'000'000'000);
    const int n = ::epoll_pwait2(epfd, ev, max, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    have_pwait2 = false;
  }
  // Round up: a timer must never fire early (and a 0 ms wait would spin).
  const auto ms = (timeout->count() + 999'999) / 1'000'000;
  return ::epoll_wait(epfd, ev, max, ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms));
}

}  // namespace

poller::poller() {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) throw_errno("edo: epoll_create1");
  wakefd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakefd_ < 0) {
    const int e = errno;
    ::close(epfd_);
    throw std::system_error(e, std::generic_category(), "edo: eventfd");
  }
  raw_ = new ::epoll_event[max_events];
  try {
    add(wakefd_, wake_token);
  } catch (...) {
    delete[] raw_;
    ::close(wakefd_);
    ::close(epfd_);
    throw;
  }
}

poller::~poller() {
  delete[] raw_;
  ::close(wakefd_);
  ::close(epfd_);
}

void poller::add(int fd, std::uint64_t token) {
  ::epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET;
  ev.data.u64 = token;
  if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("edo: epoll_ctl(ADD)");
}

void poller::remove(int fd) noexcept {
  ::epoll_event ev{};
  (void)::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev);
}

std::size_t poller::wait(std::span<poll_event> out,
                         std::optional<std::chrono::nanoseconds> timeout) {
  const int max = static_cast<int>(out.size() < max_events ? out.size() : max_events);
  const int n = wait_raw(epfd_, raw_, max, timeout);
  if (n <= 0) return 0;  // timeout, or EINTR: the caller re-checks its conditions
  std::size_t k = 0;
  for (int i = 0; i < n; ++i) {
    const std::uint64_t token = raw_[i].data.u64;
    if (token == wake_token) {
      // Reset the counter so it never saturates; the edge has done its work.
      std::uint64_t v;
      while (::read(wakefd_, &v, sizeof v) < 0 && errno == EINTR) {
      }
      continue;
    }
    out[k++] = poll_event{token, to_ready(raw_[i].events)};
  }
  return k;
}

void poller::wake() noexcept {
  const std::uint64_t one = 1;
  while (::write(wakefd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

}  // namespace edo::detail
