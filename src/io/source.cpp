// io_source: one fd registered with the I/O driver, and the stream operations every fd
// resource shares (see <edo/detail/io.hpp> for the readiness protocol).
//
// Each operation tries its system call first when readiness allows (no epoll_ctl, no
// eventfd: the fd was registered once, edge-triggered), and waits for the next edge only
// after EAGAIN. A short stream read or write proves the kernel buffer drained (filled), so
// it clears readiness too: the next operation waits for the edge instead of paying an EAGAIN
// system call (Tokio does the same on epoll, tokio#5866). Reads ask for a little more than
// the caller wants (the read-ahead block, see io.hpp) so that even a read that fills the
// caller's buffer exactly usually proves the drain: a request/response exchange then costs
// one read and one write per side and round trip, the floor.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <edo/detail/io.hpp>
#include <edo/io/error.hpp>

#include "io/driver.hpp"
#include "io/sys_util.hpp"

namespace edo::detail {

namespace {

scheduled_io* slot(io_registration* r) noexcept {
  return static_cast<scheduled_io*>(r);
}

}  // namespace

io_source::io_source(int fd, io_kind kind, std::uint8_t initial_ready, const char* what)
    : fd_(fd), kind_(kind) {
  try {
    io_driver& d = current_io_driver(what);
    reg_ = d.add(fd, initial_ready);
    driver_ = &d;
  } catch (...) {
    ::close(fd);
    fd_ = -1;
    throw;
  }
}

io_source::io_source(int fd, io_kind kind, std::uint8_t initial_ready, io_driver* driver)
    : fd_(fd), kind_(kind) {
  try {
    reg_ = driver->add(fd, initial_ready);
    driver_ = driver;
  } catch (...) {
    ::close(fd);
    fd_ = -1;
    throw;
  }
}

io_source::io_source(io_source&& o) noexcept
    : reg_(std::exchange(o.reg_, nullptr)),
      driver_(std::exchange(o.driver_, nullptr)),
      ahead_(std::exchange(o.ahead_, nullptr)),
      fd_(std::exchange(o.fd_, -1)),
      kind_(o.kind_) {}

io_source& io_source::operator=(io_source&& o) noexcept {
  if (this != &o) {
    reset();
    reg_ = std::exchange(o.reg_, nullptr);
    driver_ = std::exchange(o.driver_, nullptr);
    ahead_ = std::exchange(o.ahead_, nullptr);
    fd_ = std::exchange(o.fd_, -1);
    kind_ = o.kind_;
  }
  return *this;
}

int io_source::release() noexcept {
  delete std::exchange(ahead_, nullptr);
  if (reg_ != nullptr) {
    driver_->remove(slot(reg_), fd_);
    reg_ = nullptr;
    driver_ = nullptr;
  }
  return std::exchange(fd_, -1);
}

void io_source::reset() noexcept {
  const int fd = release();
  if (fd >= 0) ::close(fd);
}

std::size_t io_source::take_ahead(std::span<std::byte> buf) const noexcept {
  if (ahead_ == nullptr || ahead_->len == 0) return 0;
  const std::size_t n = std::min<std::size_t>(buf.size(), ahead_->len);
  std::memcpy(buf.data(), ahead_->data + ahead_->pos, n);
  ahead_->pos += static_cast<std::uint32_t>(n);
  ahead_->len -= static_cast<std::uint32_t>(n);
  if (ahead_->len == 0) ahead_->pos = 0;
  return n;
}

long io_source::read_once(std::span<std::byte> buf, bool& drained) const {
  if (ahead_ == nullptr) ahead_ = new ahead_block;
  iovec iov[2] = {{buf.data(), buf.size()}, {ahead_->data, read_ahead}};
  const ssize_t n = sys_readv(fd_, iov, 2);
  if (n < 0) return -1;
  const auto got = static_cast<std::size_t>(n);
  // Short of both blocks: the kernel had no more. (Bytes kept ahead keep readiness set, so a
  // readable() wait still completes for them.)
  drained = got < buf.size() + read_ahead;
  if (got <= buf.size()) return static_cast<long>(got);
  ahead_->pos = 0;
  ahead_->len = static_cast<std::uint32_t>(got - buf.size());
  drained = false;
  return static_cast<long>(buf.size());
}

task<std::size_t> io_source::read(std::span<std::byte> buf) const {
  if (buf.empty()) co_return 0;
  if (const std::size_t k = take_ahead(buf)) co_return k;
  for (;;) {
    const std::uint64_t seen = co_await io_readiness(reg_, io_interest::read);
    bool drained = false;
    const long n = read_once(buf, drained);
    if (n >= 0) {
      if (drained) io_clear_readiness(reg_, seen, io_ready::readable);
      co_return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("read");
    io_clear_readiness(reg_, seen, io_ready::readable);
  }
}

task<std::size_t> io_source::write(std::span<const std::byte> buf) const {
  if (buf.empty()) co_return 0;
  for (;;) {
    const std::uint64_t seen = co_await io_readiness(reg_, io_interest::write);
    const ssize_t n = sys_write(fd_, kind_, buf.data(), buf.size());
    if (n >= 0) {
      if (static_cast<std::size_t>(n) < buf.size()) {
        io_clear_readiness(reg_, seen, io_ready::writable);
      }
      co_return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("write");
    io_clear_readiness(reg_, seen, io_ready::writable);
  }
}

task<std::size_t> io_source::read_exact(std::span<std::byte> buf) const {
  std::size_t done = take_ahead(buf);
  while (done < buf.size()) {
    const std::uint64_t seen = co_await io_readiness(reg_, io_interest::read);
    bool drained = false;
    const long n = read_once(buf.subspan(done), drained);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      if (drained) io_clear_readiness(reg_, seen, io_ready::readable);
      continue;
    }
    if (n == 0) throw std::system_error(io::errc::unexpected_eof, "read_exact");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("read");
    io_clear_readiness(reg_, seen, io_ready::readable);
  }
  co_return done;
}

task<void> io_source::write_all(std::span<const std::byte> buf) const {
  std::size_t done = 0;
  while (done < buf.size()) {
    const std::uint64_t seen = co_await io_readiness(reg_, io_interest::write);
    const ssize_t n = sys_write(fd_, kind_, buf.data() + done, buf.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      if (done < buf.size()) io_clear_readiness(reg_, seen, io_ready::writable);
      continue;
    }
    if (n == 0) throw std::system_error(io::errc::write_zero, "write_all");
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("write");
    io_clear_readiness(reg_, seen, io_ready::writable);
  }
}

std::optional<std::size_t> io_source::try_read(std::span<std::byte> buf) const {
  if (const std::size_t k = take_ahead(buf)) return k;
  const std::uint64_t seen = state();
  if ((seen & io_state::shutdown) != 0) throw_io_shutdown();
  if ((seen & ready_mask(io_interest::read)) == 0) return std::nullopt;
  for (;;) {
    bool drained = false;
    const long n = read_once(buf, drained);
    if (n >= 0) {
      if (drained) io_clear_readiness(reg_, seen, io_ready::readable);
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("read");
    io_clear_readiness(reg_, seen, io_ready::readable);
    return std::nullopt;
  }
}

std::optional<std::size_t> io_source::try_write(std::span<const std::byte> buf) const {
  const std::uint64_t seen = state();
  if ((seen & io_state::shutdown) != 0) throw_io_shutdown();
  if ((seen & ready_mask(io_interest::write)) == 0) return std::nullopt;
  for (;;) {
    const ssize_t n = sys_write(fd_, kind_, buf.data(), buf.size());
    if (n >= 0) {
      if (static_cast<std::size_t>(n) < buf.size()) {
        io_clear_readiness(reg_, seen, io_ready::writable);
      }
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("write");
    io_clear_readiness(reg_, seen, io_ready::writable);
    return std::nullopt;
  }
}

}  // namespace edo::detail
