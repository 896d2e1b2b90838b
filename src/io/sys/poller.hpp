// The OS boundary of the I/O driver: the shape every readiness backend has. One file per
// backend implements it (sys/epoll.cpp today); src/io/sources.cmake chooses which one
// compiles — no #if inside the files. A completion backend (io_uring) will sit beside it
// behind the same io_source operations (src/io/source.cpp), so no resource's API changes.
//
// The poller owns its kernel objects (the epoll fd and a wake eventfd). Registration is
// edge-triggered and made once per fd, for every direction: after add(), the kernel reports
// each new readiness edge of the fd with the token given at add() until remove().
//
// Threads: add() and remove() from any thread; wait() only by the thread holding the
// driver (one at a time); wake() from any thread, to end a wait() early.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <edo/detail/io.hpp>

struct epoll_event;

namespace edo::detail {

// Readiness bits: io_ready in <edo/detail/io.hpp>.

// One readiness edge: the token given at add() and what became ready.
struct poll_event {
  std::uint64_t token;
  std::uint8_t ready;
};

class poller {
 public:
  // The token of the wake eventfd (never returned by wait()). Tokens with the top bit set
  // are reserved for the driver's own fds.
  static constexpr std::uint64_t wake_token = ~std::uint64_t{0};
  // The most events one wait() returns.
  static constexpr std::size_t max_events = 1024;

  poller();  // throws std::system_error
  ~poller();
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  // Watches `fd` for every readiness edge (edge-triggered), reported with `token`.
  // Throws std::system_error.
  void add(int fd, std::uint64_t token);
  // Stops watching `fd` (before it is closed). Never throws.
  void remove(int fd) noexcept;

  // Blocks until an edge, wake() or `timeout` (nullopt: no limit; zero: just poll), and
  // fills `out`. Returns how many events it wrote. Wake-ups by wake() are consumed here and
  // never appear in `out`; an interrupted wait (EINTR) returns 0.
  std::size_t wait(std::span<poll_event> out, std::optional<std::chrono::nanoseconds> timeout);
  // Any thread: makes a blocked (or the next) wait() return.
  void wake() noexcept;

 private:
  int epfd_ = -1;
  int wakefd_ = -1;
  ::epoll_event* raw_ = nullptr;  // max_events entries; used by the driver's holder only
};

}  // namespace edo::detail
