// Small helpers over the system calls the I/O resources share: errno to exceptions, and the
// byte-moving calls by fd kind (sockets use MSG_NOSIGNAL so that a write to a reset peer
// is an EPIPE error, never a SIGPIPE).
#pragma once

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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

// The byte-moving calls of the hot path go through syscall(2), not glibc's wrappers: these
// are cancellation points, which cost two atomic operations per call in a multi-threaded
// process (edo never uses pthread_cancel).
inline ssize_t sys_readv(int fd, const iovec* iov, int n) noexcept {
  return ::syscall(SYS_readv, fd, iov, n);
}
inline ssize_t sys_write(int fd, io_kind k, const void* p, std::size_t n) noexcept {
  return k == io_kind::socket ? ::syscall(SYS_sendto, fd, p, n, MSG_NOSIGNAL, nullptr, 0)
                              : ::syscall(SYS_write, fd, p, n);
}

}  // namespace edo::detail
