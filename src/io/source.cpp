// io_source: one fd registered with the I/O driver, and the stream operations every fd
// resource shares (see <edo/detail/io.hpp> for the readiness protocol).
//
// Each operation tries its system call first when readiness allows (no epoll_ctl, no
// eventfd: the fd was registered once, edge-triggered), and waits for the next edge only
// after EAGAIN. A short stream read or write proves the kernel buffer drained (filled), so
// it clears readiness too: the next operation waits for the edge instead of paying an EAGAIN
// system call (Tokio does the same on epoll, tokio#5866).
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
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
      fd_(std::exchange(o.fd_, -1)),
      kind_(o.kind_) {}

io_source& io_source::operator=(io_source&& o) noexcept {
  if (this != &o) {
    reset();
    reg_ = std::exchange(o.reg_, nullptr);
    driver_ = std::exchange(o.driver_, nullptr);
    fd_ = std::exchange(o.fd_, -1);
    kind_ = o.kind_;
  }
  return *this;
}

int io_source::release() noexcept {
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

task<std::size_t> io_source::read(std::span<std::byte> buf) const {
  if (buf.empty()) co_return 0;
  for (;;) {
    const std::uint64_t seen = co_await io_readiness(reg_, io_interest::read);
    const ssize_t n = sys_read(fd_, kind_, buf.data(), buf.size());
    if (n >= 0) {
      if (static_cast<std::size_t>(n) < buf.size()) {
        io_clear_readiness(reg_, seen, io_ready::readable);
      }
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
  std::size_t done = 0;
  while (done < buf.size()) {
    const std::uint64_t seen = co_await io_readiness(reg_, io_interest::read);
    const ssize_t n = sys_read(fd_, kind_, buf.data() + done, buf.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      if (done < buf.size()) io_clear_readiness(reg_, seen, io_ready::readable);
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
  const std::uint64_t seen = state();
  if ((seen & io_state::shutdown) != 0) throw_io_shutdown();
  if ((seen & ready_mask(io_interest::read)) == 0) return std::nullopt;
  for (;;) {
    const ssize_t n = sys_read(fd_, kind_, buf.data(), buf.size());
    if (n >= 0) {
      if (static_cast<std::size_t>(n) < buf.size()) {
        io_clear_readiness(reg_, seen, io_ready::readable);
      }
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
