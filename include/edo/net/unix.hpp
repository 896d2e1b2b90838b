// edo::net::unix_listener and unix_stream — Unix-domain stream sockets (Tokio's
// UnixListener / UnixStream).
//
//   auto l = edo::net::unix_listener::bind("/tmp/app.sock");
//   auto [s, peer] = co_await l.accept();
//   auto c = co_await edo::net::unix_stream::connect("/tmp/app.sock");
//   auto [a, b] = edo::net::unix_stream::pair();            // socketpair(2)
//
// Addresses are filesystem paths (empty for an unnamed socket); bind() fails with
// EADDRINUSE if the path exists — remove it first, edo never unlinks it. Everything else
// is as for TCP (<edo/net/tcp.hpp>): non-blocking close-on-exec sockets registered once,
// std::system_error with the errno, EOF as a 0-byte read, split halves.
//
// Cancellation safety: accept() and connect() are cancel safe; reads and writes as in
// <edo/detail/stream.hpp>.
#pragma once

#include <string>
#include <utility>

#include <edo/detail/io.hpp>
#include <edo/detail/stream.hpp>
#include <edo/net/split.hpp>
#include <edo/task.hpp>

namespace edo::net {

class unix_listener;

class EDO_API unix_stream : public edo::detail::stream_reader<unix_stream>,
                            public edo::detail::stream_writer<unix_stream> {
 public:
  unix_stream() noexcept = default;
  unix_stream(unix_stream&&) noexcept = default;
  unix_stream& operator=(unix_stream&&) noexcept = default;

  [[nodiscard]] static task<unix_stream> connect(std::string path);
  // Two connected, unnamed streams (socketpair).
  static std::pair<unix_stream, unix_stream> pair();
  // Adopts a connected socket (made non-blocking and close-on-exec here).
  static unix_stream from_fd(int fd);

  explicit operator bool() const noexcept { return static_cast<bool>(io_); }
  std::string local_addr() const;
  std::string peer_addr() const;

  [[nodiscard]] task<void> shutdown();
  void shutdown(shutdown_how how);

  std::pair<read_half, write_half> split() noexcept { return {read_half(io_), write_half(io_)}; }
  std::pair<owned_read_half, owned_write_half> into_split() &&;

  int native_handle() const noexcept { return io_.fd(); }
  const edo::detail::io_source& source() const noexcept { return io_; }

 private:
  friend class unix_listener;
  explicit unix_stream(edo::detail::io_source s) noexcept : io_(std::move(s)) {}
  edo::detail::io_source io_;
};

class EDO_API unix_listener {
 public:
  static constexpr int default_backlog = 1024;

  unix_listener() noexcept = default;
  unix_listener(unix_listener&&) noexcept = default;
  unix_listener& operator=(unix_listener&&) noexcept = default;

  // Binds to `path` and listens (no name resolution: this does not suspend).
  static unix_listener bind(const std::string& path, int backlog = default_backlog);
  static unix_listener from_fd(int fd);

  // The stream and the peer's path (usually empty: clients rarely bind). Backs off on
  // descriptor exhaustion as tcp_listener::accept does. Cancel safe.
  [[nodiscard]] task<std::pair<unix_stream, std::string>> accept();

  explicit operator bool() const noexcept { return static_cast<bool>(io_); }
  std::string local_addr() const;
  int native_handle() const noexcept { return io_.fd(); }
  const edo::detail::io_source& source() const noexcept { return io_; }

 private:
  explicit unix_listener(edo::detail::io_source s) noexcept : io_(std::move(s)) {}
  edo::detail::io_source io_;
};

}  // namespace edo::net
