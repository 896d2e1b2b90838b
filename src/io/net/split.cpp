// Shared state of owned halves, and shutdown() (see <edo/net/split.hpp>).
#include <edo/net/split.hpp>

#include <sys/socket.h>

#include "io/sys_util.hpp"

namespace edo::detail {

void release_shared(shared_source* s) noexcept {
  // ordering: acq_rel: the last half sees the other's writes before closing the socket.
  if (s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
}

void shutdown_fd(int fd, net::shutdown_how how) {
  const int h = how == net::shutdown_how::read    ? SHUT_RD
                : how == net::shutdown_how::write ? SHUT_WR
                                                  : SHUT_RDWR;
  if (::shutdown(fd, h) != 0) throw_errno("shutdown");
}

}  // namespace edo::detail
