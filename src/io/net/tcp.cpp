// tcp_listener and tcp_stream (see <edo/net/tcp.hpp>).
//
// Accepting backs off on a timer when descriptors run out (src/io/net/accept.hpp).
#include <edo/net/tcp.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <system_error>

#include <edo/detail/context.hpp>
#include <edo/net/lookup.hpp>
#include <edo/time/sleep.hpp>

#include "io/net/accept.hpp"
#include "io/net/socket_util.hpp"

namespace edo::net {

using detail::io_interest;
using detail::io_kind;
namespace io_ready = detail::io_ready;

// ---- tcp_stream ----

task<tcp_stream> tcp_stream::connect(socket_address addr) {
  const int fd = detail::new_socket(addr.family(), SOCK_STREAM);
  // EINTR is not retried: the connection goes on asynchronously, like EINPROGRESS.
  if (::connect(fd, addr.data(), addr.size()) == 0) {
    co_return tcp_stream(
        detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::tcp_stream::connect"));
  }
  if (errno != EINPROGRESS && errno != EINTR) {
    const int e = errno;
    ::close(fd);
    detail::throw_errno(e, "connect");
  }
  // Writable means connected (or failed): wait for that edge, then read the outcome.
  tcp_stream s(
      detail::io_source(fd, io_kind::socket, io_ready::readable, "edo::net::tcp_stream::connect"));
  for (;;) {
    const std::uint64_t seen = co_await s.io_.ready(io_interest::write);
    const int err = detail::get_int_option(fd, SOL_SOCKET, SO_ERROR, "getsockopt(SO_ERROR)");
    if (err != 0) detail::throw_errno(err, "connect");
    // Writable without an error, but still not connected would be a spurious edge.
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) break;
    if (errno != ENOTCONN) detail::throw_errno("getpeername");
    s.io_.clear_readiness(seen, io_ready::writable);
  }
  co_return s;
}

task<tcp_stream> tcp_stream::connect(std::string host_port) {
  if (auto a = socket_address::parse(host_port)) co_return co_await connect(*a);
  const std::vector<socket_address> addrs = co_await lookup_host(std::move(host_port));
  std::exception_ptr last;
  for (const socket_address& a : addrs) {
    try {
      co_return co_await connect(a);
    } catch (const std::system_error&) {
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  throw std::system_error(EADDRNOTAVAIL, std::generic_category(), "connect: no address");
}

tcp_stream tcp_stream::from_fd(int fd) {
  detail::make_nonblocking_cloexec(fd);
  return tcp_stream(
      detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::tcp_stream::from_fd"));
}

socket_address tcp_stream::local_addr() const {
  return detail::local_address(io_.fd());
}
socket_address tcp_stream::peer_addr() const {
  return detail::peer_address(io_.fd());
}

void tcp_stream::set_nodelay(bool on) {
  detail::set_int_option(io_.fd(), IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0, "setsockopt(TCP_NODELAY)");
}

bool tcp_stream::nodelay() const {
  return detail::get_int_option(io_.fd(), IPPROTO_TCP, TCP_NODELAY, "getsockopt(TCP_NODELAY)") != 0;
}

void tcp_stream::set_linger(std::optional<std::chrono::seconds> d) {
  ::linger l{};
  l.l_onoff = d ? 1 : 0;
  l.l_linger = d ? static_cast<int>(d->count()) : 0;
  if (::setsockopt(io_.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l) != 0) {
    detail::throw_errno("setsockopt(SO_LINGER)");
  }
}

void tcp_stream::set_ttl(std::uint32_t ttl) {
  detail::set_int_option(io_.fd(), IPPROTO_IP, IP_TTL, static_cast<int>(ttl), "setsockopt(IP_TTL)");
}

std::uint32_t tcp_stream::ttl() const {
  return static_cast<std::uint32_t>(
      detail::get_int_option(io_.fd(), IPPROTO_IP, IP_TTL, "getsockopt(IP_TTL)"));
}

task<void> tcp_stream::shutdown() {
  detail::shutdown_fd(io_.fd(), shutdown_how::write);
  co_return;
}

void tcp_stream::shutdown(shutdown_how how) {
  detail::shutdown_fd(io_.fd(), how);
}

std::pair<owned_read_half, owned_write_half> tcp_stream::into_split() && {
  auto* s = new detail::shared_source{std::move(io_)};
  return {owned_read_half(s), owned_write_half(s)};
}

// ---- tcp_listener ----

namespace {

detail::io_source listen_on(const socket_address& addr, int backlog) {
  const int fd = detail::new_socket(addr.family(), SOCK_STREAM);
  try {
    detail::set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)");
    if (::bind(fd, addr.data(), addr.size()) != 0) detail::throw_errno("bind");
    if (::listen(fd, backlog) != 0) detail::throw_errno("listen");
  } catch (...) {
    ::close(fd);
    throw;
  }
  return detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::tcp_listener::bind");
}

}  // namespace

task<tcp_listener> tcp_listener::bind(socket_address addr, int backlog) {
  co_return tcp_listener(listen_on(addr, backlog));
}

task<tcp_listener> tcp_listener::bind(std::string host_port, int backlog) {
  if (auto a = socket_address::parse(host_port)) co_return tcp_listener(listen_on(*a, backlog));
  const std::vector<socket_address> addrs = co_await lookup_host(std::move(host_port));
  std::exception_ptr last;
  for (const socket_address& a : addrs) {
    try {
      co_return tcp_listener(listen_on(a, backlog));
    } catch (const std::system_error&) {
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  throw std::system_error(EADDRNOTAVAIL, std::generic_category(), "bind: no address");
}

tcp_listener tcp_listener::from_fd(int fd) {
  detail::make_nonblocking_cloexec(fd);
  return tcp_listener(
      detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::tcp_listener::from_fd"));
}

socket_address tcp_listener::local_addr() const {
  return detail::local_address(io_.fd());
}

task<std::pair<tcp_stream, socket_address>> tcp_listener::accept() {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const int fd = co_await detail::accept_fd(io_, &ss, &len);
  detail::io_source s(fd, io_kind::socket, io_ready::initial, io_.driver());
  co_return std::pair<tcp_stream, socket_address>(
      tcp_stream(std::move(s)), socket_address(reinterpret_cast<const sockaddr*>(&ss), len));
}

}  // namespace edo::net
