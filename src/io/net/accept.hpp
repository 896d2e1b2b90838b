// accept4 with readiness waits and the descriptor-exhaustion back-off shared by
// tcp_listener and unix_listener.
//
// Under EMFILE/ENFILE/ENOBUFS/ENOMEM the connection stays queued and readiness stays set, so
// retrying at once would spin. Instead the accept sleeps on the runtime's timer (1 ms,
// doubling to 100 ms, like hyper's accept loop) and tries again; other tasks run meanwhile,
// and once descriptors are freed the next attempt succeeds. Without a time driver the error
// is thrown.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include <edo/detail/context.hpp>
#include <edo/detail/io.hpp>
#include <edo/task.hpp>
#include <edo/time/sleep.hpp>

#include "io/sys_util.hpp"
#include "runtime/context.hpp"

namespace edo::detail {

inline bool out_of_descriptors(int e) noexcept {
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

// The accepted fd (non-blocking, close-on-exec); the peer's address in *ss / *len. The
// pointers must stay valid until the task completes (they live in the caller's frame).
inline task<int> accept_fd(const io_source& l, sockaddr_storage* ss, socklen_t* len) {
  std::chrono::milliseconds backoff{1};
  for (;;) {
    const std::uint64_t seen = co_await l.ready(io_interest::read);
    *len = sizeof(sockaddr_storage);
    const int fd =
        ::accept4(l.fd(), reinterpret_cast<sockaddr*>(ss), len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) co_return fd;
    const int e = errno;
    if (e == EINTR || e == ECONNABORTED) continue;
    if (e == EAGAIN || e == EWOULDBLOCK) {
      l.clear_readiness(seen, io_ready::readable);
      continue;
    }
    if (!out_of_descriptors(e)) throw_errno(e, "accept");
    runtime_context* rt = this_thread_context().runtime;
    if (rt == nullptr || rt->time() == nullptr) throw_errno(e, "accept");
    co_await edo::time::sleep(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(100));
  }
}

// Tries an operation until it does not report "would block", waiting for readiness in
// between. `f` retries EINTR itself, throws on errors and returns nullopt for EAGAIN.
template <class T, class F>
task<T> retry_io(const io_source& src, io_interest i, F f) {
  const std::uint8_t bit = i == io_interest::read ? io_ready::readable : io_ready::writable;
  for (;;) {
    const std::uint64_t seen = co_await src.ready(i);
    std::optional<T> r = f();
    if (r) co_return std::move(*r);
    src.clear_readiness(seen, bit);
  }
}

// The try_* form: one attempt when readiness allows; nullopt if it would block.
template <class T, class F>
std::optional<T> try_io(const io_source& src, io_interest i, F f) {
  const std::uint64_t seen = src.state();
  if ((seen & io_state::shutdown) != 0) throw_io_shutdown();
  if ((seen & ready_mask(i)) == 0) return std::nullopt;
  std::optional<T> r = f();
  if (!r)
    src.clear_readiness(seen, i == io_interest::read ? io_ready::readable : io_ready::writable);
  return r;
}

}  // namespace edo::detail
