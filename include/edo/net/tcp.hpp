// edo::net::tcp_listener and tcp_stream — TCP over the runtime's I/O driver (Tokio's
// TcpListener / TcpStream).
//
//   auto listener = co_await edo::net::tcp_listener::bind("127.0.0.1:8080");
//   for (;;) {
//     auto [socket, peer] = co_await listener.accept();
//     edo::spawn([](edo::net::tcp_stream s) -> edo::task<> {
//       std::array<std::byte, 4096> buf;
//       while (std::size_t n = co_await s.read(buf)) co_await s.write_all({buf.data(), n});
//     }, std::move(socket));
//   }
//
//   auto s = co_await edo::net::tcp_stream::connect("localhost:8080");  // resolves on the
//   co_await s.write_all("hello");                                      // blocking pool
//
// Every socket is O_NONBLOCK | O_CLOEXEC and registered once with the I/O driver
// (edge-triggered). Operations try the system call first and wait for readiness only on
// EAGAIN. Errors throw std::system_error with the errno (a reset peer: ECONNRESET; a write
// to it: EPIPE, never SIGPIPE). EOF is a 0-byte read. Needs a runtime with I/O: otherwise
// edo::no_runtime.
//
// A stream may be read by one task while another writes to it (split() / into_split());
// two tasks reading the same stream at once get the bytes in an unspecified interleaving.
// The stream must not move or be destroyed while an operation on it is pending.
//
// Cancellation safety: accept() and connect() are cancel safe (a cancelled accept loses no
// connection: it stays in the backlog; a cancelled connect closes its socket). For reads
// and writes see <edo/detail/stream.hpp>.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <edo/detail/io.hpp>
#include <edo/detail/stream.hpp>
#include <edo/net/socket_address.hpp>
#include <edo/net/split.hpp>
#include <edo/task.hpp>

namespace edo::net {

class tcp_listener;

class EDO_API tcp_stream : public edo::detail::stream_reader<tcp_stream>,
                           public edo::detail::stream_writer<tcp_stream> {
 public:
  tcp_stream() noexcept = default;  // not connected
  tcp_stream(tcp_stream&&) noexcept = default;
  tcp_stream& operator=(tcp_stream&&) noexcept = default;

  // Connects to `addr`. Cancel safe.
  [[nodiscard]] static task<tcp_stream> connect(socket_address addr);
  // Connects to "host:port" (or an address literal), trying each resolved address in turn;
  // throws the last error if none accepts.
  [[nodiscard]] static task<tcp_stream> connect(std::string host_port);
  // Adopts a connected socket (made non-blocking and close-on-exec here).
  static tcp_stream from_fd(int fd);

  explicit operator bool() const noexcept { return static_cast<bool>(io_); }
  socket_address local_addr() const;
  socket_address peer_addr() const;

  // Nagle's algorithm off (true) or on.
  void set_nodelay(bool on);
  bool nodelay() const;
  // SO_LINGER: nullopt = off (the default); 0 s makes close() reset the connection.
  void set_linger(std::optional<std::chrono::seconds> d);
  void set_ttl(std::uint32_t ttl);
  std::uint32_t ttl() const;

  // Shuts the write direction down (the peer reads EOF); for edo::io::async_write.
  [[nodiscard]] task<void> shutdown();
  void shutdown(shutdown_how how);

  // Borrowed halves: this stream must outlive them.
  std::pair<read_half, write_half> split() noexcept { return {read_half(io_), write_half(io_)}; }
  // Owned halves: the socket closes when both are gone.
  std::pair<owned_read_half, owned_write_half> into_split() &&;

  int native_handle() const noexcept { return io_.fd(); }
  const edo::detail::io_source& source() const noexcept { return io_; }

 private:
  friend class tcp_listener;
  explicit tcp_stream(edo::detail::io_source s) noexcept : io_(std::move(s)) {}
  edo::detail::io_source io_;
};

class EDO_API tcp_listener {
 public:
  static constexpr int default_backlog = 1024;

  tcp_listener() noexcept = default;
  tcp_listener(tcp_listener&&) noexcept = default;
  tcp_listener& operator=(tcp_listener&&) noexcept = default;

  // Binds (SO_REUSEADDR) and listens. Port 0 picks a free port: see local_addr().
  [[nodiscard]] static task<tcp_listener> bind(socket_address addr, int backlog = default_backlog);
  // Binds to "host:port" (or an address literal): the first resolved address that binds.
  [[nodiscard]] static task<tcp_listener> bind(std::string host_port,
                                               int backlog = default_backlog);
  // Adopts a listening socket (made non-blocking and close-on-exec here).
  static tcp_listener from_fd(int fd);

  // Waits for a connection: the stream and the peer's address. When the process is out of
  // file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM) it backs off on a timer (1 ms,
  // doubling up to 100 ms) and tries again — no busy loop, and it recovers by itself when
  // descriptors are freed; without a time driver it throws instead. Cancel safe.
  [[nodiscard]] task<std::pair<tcp_stream, socket_address>> accept();

  explicit operator bool() const noexcept { return static_cast<bool>(io_); }
  socket_address local_addr() const;
  int native_handle() const noexcept { return io_.fd(); }
  const edo::detail::io_source& source() const noexcept { return io_; }

 private:
  explicit tcp_listener(edo::detail::io_source s) noexcept : io_(std::move(s)) {}
  edo::detail::io_source io_;
};

}  // namespace edo::net
