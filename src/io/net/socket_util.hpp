// Socket helpers shared by the net resources: creating non-blocking close-on-exec sockets,
// addresses of a socket, options; each throws std::system_error with the errno.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include <edo/net/socket_address.hpp>

#include "io/sys_util.hpp"

namespace edo::detail {

inline int new_socket(int family, int type, int protocol = 0) {
  const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) throw_errno("socket");
  return fd;
}

// Makes an adopted fd non-blocking and close-on-exec.
inline void make_nonblocking_cloexec(int fd) {
  const int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) throw_errno("fcntl(O_NONBLOCK)");
  const int fdfl = ::fcntl(fd, F_GETFD);
  if (fdfl < 0 || ::fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) < 0) throw_errno("fcntl(FD_CLOEXEC)");
}

inline net::socket_address local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) throw_errno("getsockname");
  return net::socket_address(reinterpret_cast<const sockaddr*>(&ss), len);
}

inline net::socket_address peer_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) throw_errno("getpeername");
  return net::socket_address(reinterpret_cast<const sockaddr*>(&ss), len);
}

inline void set_int_option(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) throw_errno(what);
}

inline int get_int_option(int fd, int level, int name, const char* what) {
  int v = 0;
  socklen_t len = sizeof v;
  if (::getsockopt(fd, level, name, &v, &len) != 0) throw_errno(what);
  return v;
}

// "host:port" / "[v6]:port" → host and port text; false if there is no port.
inline bool split_host_port(const std::string& s, std::string& host, std::string& port) {
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    return true;
  }
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  host = s.substr(0, colon);
  port = s.substr(colon + 1);
  return true;
}

}  // namespace edo::detail
