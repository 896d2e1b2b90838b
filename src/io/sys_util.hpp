// Small helpers over the system calls the I/O resources share: errno to exceptions, and the
// byte-moving calls by fd kind (sockets use MSG_NOSIGNAL so that a write to a reset peer
// is an EPIPE error, never a SIGPIPE).
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <system_error>

#include <edo/detail/io.hpp>

namespace edo::detail {

[[noreturn]] inline void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}
[[noreturn]] inline void throw_errno(int e, const char* what) {
  throw std::system_error(e, std::generic_category(), what);
}

inline ssize_t sys_read(int fd, io_kind k, void* p, std::size_t n) noexcept {
  return k == io_kind::socket ? ::recv(fd, p, n, 0) : ::read(fd, p, n);
}
inline ssize_t sys_write(int fd, io_kind k, const void* p, std::size_t n) noexcept {
  return k == io_kind::socket ? ::send(fd, p, n, MSG_NOSIGNAL) : ::write(fd, p, n);
}

}  // namespace edo::detail
