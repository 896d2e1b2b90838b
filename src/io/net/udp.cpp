// udp_socket (see <edo/net/udp.hpp>): each operation tries sendto/recvfrom first and waits
// for readiness on EAGAIN. Datagram reads never clear readiness early (one datagram per
// call proves nothing about the queue).
#include <edo/net/udp.hpp>

#include <netinet/in.h>
#include <sys/socket.h>

#include <edo/net/lookup.hpp>

#include "io/net/accept.hpp"
#include "io/net/socket_util.hpp"

namespace edo::net {

using detail::io_interest;
using detail::io_kind;
namespace io_ready = detail::io_ready;

namespace {

bool would_block(int e) noexcept {
  return e == EAGAIN || e == EWOULDBLOCK;
}

std::optional<std::size_t> do_send_to(int fd, std::span<const std::byte> buf,
                                      const socket_address* to) {
  for (;;) {
    const ssize_t n =
        to != nullptr ? ::sendto(fd, buf.data(), buf.size(), MSG_NOSIGNAL, to->data(), to->size())
                      : ::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (would_block(errno)) return std::nullopt;
    detail::throw_errno(to != nullptr ? "sendto" : "send");
  }
}

std::optional<std::pair<std::size_t, socket_address>> do_recv_from(int fd,
                                                                   std::span<std::byte> buf) {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    const ssize_t n =
        ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&ss), &len);
    if (n >= 0) {
      return std::pair<std::size_t, socket_address>(
          static_cast<std::size_t>(n), socket_address(reinterpret_cast<const sockaddr*>(&ss), len));
    }
    if (errno == EINTR) continue;
    if (would_block(errno)) return std::nullopt;
    detail::throw_errno("recvfrom");
  }
}

std::optional<std::size_t> do_recv(int fd, std::span<std::byte> buf) {
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (would_block(errno)) return std::nullopt;
    detail::throw_errno("recv");
  }
}

detail::io_source bind_source(const socket_address& addr) {
  const int fd = detail::new_socket(addr.family(), SOCK_DGRAM);
  if (::bind(fd, addr.data(), addr.size()) != 0) {
    const int e = errno;
    ::close(fd);
    detail::throw_errno(e, "bind");
  }
  return detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::udp_socket::bind");
}

}  // namespace

task<udp_socket> udp_socket::bind(socket_address addr) {
  co_return udp_socket(bind_source(addr));
}

task<udp_socket> udp_socket::bind(std::string host_port) {
  if (auto a = socket_address::parse(host_port)) co_return udp_socket(bind_source(*a));
  const std::vector<socket_address> addrs = co_await lookup_host(std::move(host_port));
  std::exception_ptr last;
  for (const socket_address& a : addrs) {
    try {
      co_return udp_socket(bind_source(a));
    } catch (const std::system_error&) {
      last = std::current_exception();
    }
  }
  if (last) std::rethrow_exception(last);
  throw std::system_error(EADDRNOTAVAIL, std::generic_category(), "bind: no address");
}

udp_socket udp_socket::from_fd(int fd) {
  detail::make_nonblocking_cloexec(fd);
  return udp_socket(
      detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::udp_socket::from_fd"));
}

task<void> udp_socket::connect(socket_address addr) {
  if (::connect(io_.fd(), addr.data(), addr.size()) != 0) detail::throw_errno("connect");
  co_return;
}

task<void> udp_socket::connect(std::string host_port) {
  if (auto a = socket_address::parse(host_port)) {
    co_await connect(*a);
    co_return;
  }
  const std::vector<socket_address> addrs = co_await lookup_host(std::move(host_port));
  if (addrs.empty())
    throw std::system_error(EADDRNOTAVAIL, std::generic_category(), "connect: no address");
  co_await connect(addrs.front());
}

task<std::size_t> udp_socket::send_to(std::span<const std::byte> buf, socket_address to) const {
  const int fd = io_.fd();
  return detail::retry_io<std::size_t>(io_, io_interest::write,
                                       [fd, buf, to] { return do_send_to(fd, buf, &to); });
}

task<std::pair<std::size_t, socket_address>> udp_socket::recv_from(std::span<std::byte> buf) const {
  const int fd = io_.fd();
  return detail::retry_io<std::pair<std::size_t, socket_address>>(
      io_, io_interest::read, [fd, buf] { return do_recv_from(fd, buf); });
}

task<std::size_t> udp_socket::send(std::span<const std::byte> buf) const {
  const int fd = io_.fd();
  return detail::retry_io<std::size_t>(io_, io_interest::write,
                                       [fd, buf] { return do_send_to(fd, buf, nullptr); });
}

task<std::size_t> udp_socket::recv(std::span<std::byte> buf) const {
  const int fd = io_.fd();
  return detail::retry_io<std::size_t>(io_, io_interest::read,
                                       [fd, buf] { return do_recv(fd, buf); });
}

std::optional<std::size_t> udp_socket::try_send_to(std::span<const std::byte> buf,
                                                   socket_address to) const {
  return detail::try_io<std::size_t>(io_, io_interest::write,
                                     [&] { return do_send_to(io_.fd(), buf, &to); });
}

std::optional<std::pair<std::size_t, socket_address>> udp_socket::try_recv_from(
    std::span<std::byte> buf) const {
  return detail::try_io<std::pair<std::size_t, socket_address>>(
      io_, io_interest::read, [&] { return do_recv_from(io_.fd(), buf); });
}

std::optional<std::size_t> udp_socket::try_send(std::span<const std::byte> buf) const {
  return detail::try_io<std::size_t>(io_, io_interest::write,
                                     [&] { return do_send_to(io_.fd(), buf, nullptr); });
}

std::optional<std::size_t> udp_socket::try_recv(std::span<std::byte> buf) const {
  return detail::try_io<std::size_t>(io_, io_interest::read,
                                     [&] { return do_recv(io_.fd(), buf); });
}

socket_address udp_socket::local_addr() const {
  return detail::local_address(io_.fd());
}
socket_address udp_socket::peer_addr() const {
  return detail::peer_address(io_.fd());
}

void udp_socket::set_broadcast(bool on) {
  detail::set_int_option(io_.fd(), SOL_SOCKET, SO_BROADCAST, on ? 1 : 0,
                         "setsockopt(SO_BROADCAST)");
}

bool udp_socket::broadcast() const {
  return detail::get_int_option(io_.fd(), SOL_SOCKET, SO_BROADCAST, "getsockopt(SO_BROADCAST)") !=
         0;
}

void udp_socket::set_ttl(std::uint32_t ttl) {
  detail::set_int_option(io_.fd(), IPPROTO_IP, IP_TTL, static_cast<int>(ttl), "setsockopt(IP_TTL)");
}

}  // namespace edo::net
