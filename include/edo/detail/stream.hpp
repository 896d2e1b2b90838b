// The byte-stream operations every stream resource offers (tcp_stream, unix_stream, the
// halves of a split, a child's pipes), as two mixins over the resource's io_source:
// `D::source()` returns it. Each call returns the compiled operation's task directly (no
// extra frame). Buffers are std::span<std::byte> (or char, or std::string_view for writes)
// and must stay alive until the operation completes.
//
// Cancellation safety (as Tokio documents it): read/read_some, write/write_some, readable,
// writable and the try_* calls are cancel safe — a cancelled read has read nothing, a
// cancelled write has written nothing. read_exact and write_all are not: bytes moved before
// the cancellation stay moved (in the buffer / on the wire) and the count is lost.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include <edo/detail/io.hpp>
#include <edo/task.hpp>

namespace edo::detail {

// A readiness wait that yields nothing: readable(), writable().
class ready_wait final : public io_readiness {
 public:
  using io_readiness::io_readiness;
  void await_resume() { (void)io_readiness::await_resume(); }
};

template <class D>
class stream_reader {
 public:
  // Reads what is available (at least 1 byte), waiting until something is; 0 means EOF
  // (or an empty buffer).
  [[nodiscard]] task<std::size_t> read(std::span<std::byte> buf) const { return src().read(buf); }
  [[nodiscard]] task<std::size_t> read(std::span<char> buf) const {
    return src().read(std::as_writable_bytes(buf));
  }
  // The Asio spelling of read().
  [[nodiscard]] task<std::size_t> read_some(std::span<std::byte> buf) const {
    return src().read(buf);
  }
  [[nodiscard]] task<std::size_t> read_some(std::span<char> buf) const {
    return src().read(std::as_writable_bytes(buf));
  }
  // Fills `buf` completely; throws std::system_error(edo::io::errc::unexpected_eof) at an
  // early EOF. Returns buf.size().
  [[nodiscard]] task<std::size_t> read_exact(std::span<std::byte> buf) const {
    return src().read_exact(buf);
  }
  [[nodiscard]] task<std::size_t> read_exact(std::span<char> buf) const {
    return src().read_exact(std::as_writable_bytes(buf));
  }
  // One attempt without waiting: nullopt if it would block.
  std::optional<std::size_t> try_read(std::span<std::byte> buf) const {
    return src().try_read(buf);
  }
  std::optional<std::size_t> try_read(std::span<char> buf) const {
    return src().try_read(std::as_writable_bytes(buf));
  }
  // Waits until a read may make progress (data, EOF or an error); may be spurious.
  [[nodiscard]] ready_wait readable() const noexcept {
    return ready_wait(src().registration(), io_interest::read);
  }

 private:
  const io_source& src() const noexcept { return static_cast<const D*>(this)->source(); }
};

template <class D>
class stream_writer {
 public:
  // Writes some of `buf` (at least 1 byte), waiting for room; returns how many.
  [[nodiscard]] task<std::size_t> write(std::span<const std::byte> buf) const {
    return src().write(buf);
  }
  [[nodiscard]] task<std::size_t> write(std::string_view s) const {
    return src().write(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }
  // The Asio spelling of write().
  [[nodiscard]] task<std::size_t> write_some(std::span<const std::byte> buf) const {
    return src().write(buf);
  }
  // Writes every byte of `buf`.
  [[nodiscard]] task<void> write_all(std::span<const std::byte> buf) const {
    return src().write_all(buf);
  }
  [[nodiscard]] task<void> write_all(std::string_view s) const {
    return src().write_all(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }
  // Nothing is buffered here: completes at once (for edo::io::async_write).
  [[nodiscard]] static task<void> flush() { co_return; }
  std::optional<std::size_t> try_write(std::span<const std::byte> buf) const {
    return src().try_write(buf);
  }
  std::optional<std::size_t> try_write(std::string_view s) const {
    return src().try_write(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }
  // Waits until a write may make progress; may be spurious.
  [[nodiscard]] ready_wait writable() const noexcept {
    return ready_wait(src().registration(), io_interest::write);
  }

 private:
  const io_source& src() const noexcept { return static_cast<const D*>(this)->source(); }
};

}  // namespace edo::detail
