// unix_listener and unix_stream (see <edo/net/unix.hpp>).
#include <edo/net/unix.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "io/net/accept.hpp"
#include "io/net/socket_util.hpp"

namespace edo::net {

using detail::io_interest;
using detail::io_kind;
namespace io_ready = detail::io_ready;

namespace {

socklen_t make_addr(const std::string& path, sockaddr_un& a) {
  std::memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path) {
    throw std::system_error(path.empty() ? EINVAL : ENAMETOOLONG, std::generic_category(),
                            "unix socket path");
  }
  std::memcpy(a.sun_path, path.data(), path.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
}

std::string path_of(const sockaddr_un& a, socklen_t len) {
  const auto off = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
  if (len <= off) return {};
  const std::size_t n = ::strnlen(a.sun_path, static_cast<std::size_t>(len - off));
  return std::string(a.sun_path, n);
}

std::string sock_path(int fd, bool peer) {
  sockaddr_un a{};
  socklen_t len = sizeof a;
  const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len)
                      : ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  if (rc != 0) detail::throw_errno(peer ? "getpeername" : "getsockname");
  return path_of(a, len);
}

}  // namespace

task<unix_stream> unix_stream::connect(std::string path) {
  sockaddr_un a;
  const socklen_t len = make_addr(path, a);
  const int fd = detail::new_socket(AF_UNIX, SOCK_STREAM);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), len) == 0) {
    co_return unix_stream(detail::io_source(fd, io_kind::socket, io_ready::initial,
                                            "edo::net::unix_stream::connect"));
  }
  if (errno != EINPROGRESS && errno != EINTR) {
    const int e = errno;
    ::close(fd);
    detail::throw_errno(e, "connect");
  }
  unix_stream s(
      detail::io_source(fd, io_kind::socket, io_ready::readable, "edo::net::unix_stream::connect"));
  co_await s.io_.ready(io_interest::write);
  const int err = detail::get_int_option(fd, SOL_SOCKET, SO_ERROR, "getsockopt(SO_ERROR)");
  if (err != 0) detail::throw_errno(err, "connect");
  co_return s;
}

std::pair<unix_stream, unix_stream> unix_stream::pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
    detail::throw_errno("socketpair");
  }
  detail::io_source a;
  try {
    a = detail::io_source(fds[0], io_kind::socket, io_ready::initial,
                          "edo::net::unix_stream::pair");
  } catch (...) {
    ::close(fds[1]);
    throw;
  }
  detail::io_source b(fds[1], io_kind::socket, io_ready::initial, a.driver());
  return {unix_stream(std::move(a)), unix_stream(std::move(b))};
}

unix_stream unix_stream::from_fd(int fd) {
  detail::make_nonblocking_cloexec(fd);
  return unix_stream(
      detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::unix_stream::from_fd"));
}

std::string unix_stream::local_addr() const {
  return sock_path(io_.fd(), false);
}
std::string unix_stream::peer_addr() const {
  return sock_path(io_.fd(), true);
}

task<void> unix_stream::shutdown() {
  detail::shutdown_fd(io_.fd(), shutdown_how::write);
  co_return;
}

void unix_stream::shutdown(shutdown_how how) {
  detail::shutdown_fd(io_.fd(), how);
}

std::pair<owned_read_half, owned_write_half> unix_stream::into_split() && {
  auto* s = new detail::shared_source{std::move(io_)};
  return {owned_read_half(s), owned_write_half(s)};
}

unix_listener unix_listener::bind(const std::string& path, int backlog) {
  sockaddr_un a;
  const socklen_t len = make_addr(path, a);
  const int fd = detail::new_socket(AF_UNIX, SOCK_STREAM);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), len) != 0 || ::listen(fd, backlog) != 0) {
    const int e = errno;
    ::close(fd);
    detail::throw_errno(e, "bind");
  }
  return unix_listener(
      detail::io_source(fd, io_kind::socket, io_ready::initial, "edo::net::unix_listener::bind"));
}

unix_listener unix_listener::from_fd(int fd) {
  detail::make_nonblocking_cloexec(fd);
  return unix_listener(detail::io_source(fd, io_kind::socket, io_ready::initial,
                                         "edo::net::unix_listener::from_fd"));
}

std::string unix_listener::local_addr() const {
  return sock_path(io_.fd(), false);
}

task<std::pair<unix_stream, std::string>> unix_listener::accept() {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const int fd = co_await detail::accept_fd(io_, &ss, &len);
  detail::io_source s(fd, io_kind::socket, io_ready::initial, io_.driver());
  std::string peer = path_of(reinterpret_cast<const sockaddr_un&>(ss), len);
  co_return std::pair<unix_stream, std::string>(unix_stream(std::move(s)), std::move(peer));
}

}  // namespace edo::net
