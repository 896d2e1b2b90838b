// edo::io::duplex — an in-memory, bidirectional byte pipe (Tokio's tokio::io::duplex):
// what one end writes, the other reads. For tests of protocol code without sockets.
//
//   auto [client, server] = edo::io::duplex(64);     // at most 64 bytes in flight each way
//   co_await edo::io::write_all(client, "ping");
//   std::array<char, 4> b; co_await edo::io::read_exact(server, b);
//
// Each direction holds at most `max_buf_size` bytes: a writer waits for the reader when
// it is full, a reader waits for data. shutdown() (or destroying an end) makes the other
// end read EOF once the buffered bytes are read; writing to an end whose peer is gone
// throws std::system_error(EPIPE). Both ends work under edo::block_on, any runtime, or
// across runtimes: no driver is needed. Ends may be used from different threads.
//
// Cancellation safety: read, write, readable-style waits are cancel safe (a cancelled read
// took nothing, a cancelled write put nothing in the pipe).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include <edo/detail/config.hpp>
#include <edo/task.hpp>

namespace edo::detail {
struct duplex_shared;
}

namespace edo::io {

class EDO_API duplex_stream {
 public:
  duplex_stream(duplex_stream&& o) noexcept : s_(std::exchange(o.s_, nullptr)), side_(o.side_) {}
  duplex_stream& operator=(duplex_stream&& o) noexcept;
  // Closes this end: the peer reads EOF after the buffered bytes; its writes fail (EPIPE).
  ~duplex_stream();

  // async_read: waits for data; 0 at EOF.
  [[nodiscard]] task<std::size_t> read(std::span<std::byte> buf) const;
  [[nodiscard]] task<std::size_t> read(std::span<char> buf) const {
    return read(std::as_writable_bytes(buf));
  }
  // async_write: waits for room; writes as much as fits (at least 1 byte).
  [[nodiscard]] task<std::size_t> write(std::span<const std::byte> buf) const;
  [[nodiscard]] task<std::size_t> write(std::string_view s) const {
    return write(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }
  // Nothing is buffered beyond the pipe itself: completes at once.
  [[nodiscard]] static task<void> flush() { co_return; }
  // No more writes from this end: the peer reads EOF after the buffered bytes.
  [[nodiscard]] task<void> shutdown() const;

 private:
  friend std::pair<duplex_stream, duplex_stream> duplex(std::size_t);
  duplex_stream(detail::duplex_shared* s, int side) noexcept : s_(s), side_(side) {}
  detail::duplex_shared* s_;
  int side_;  // 0 writes pipe 0 and reads pipe 1; 1 the other way round
};

// Two connected ends, each direction holding at most max_buf_size (>= 1) bytes.
EDO_API std::pair<duplex_stream, duplex_stream> duplex(std::size_t max_buf_size);

}  // namespace edo::io
