// edo::net::udp_socket — UDP over the runtime's I/O driver (Tokio's UdpSocket).
//
//   auto sock = co_await edo::net::udp_socket::bind("127.0.0.1:0");
//   co_await sock.send_to(bytes, peer);
//   auto [n, from] = co_await sock.recv_from(buf);
//
//   co_await sock.connect(peer);      // then send()/recv() talk to that peer only
//
// One datagram per call: a datagram longer than the buffer is truncated (the rest is
// lost), as with recvfrom(2). Operations may run from several tasks at once (each waits for
// its own readiness). Errors throw std::system_error with the errno (ECONNREFUSED on a
// connected socket whose peer has no listener).
//
// Cancellation safety: every operation is cancel safe — a cancelled recv received nothing,
// a cancelled send sent nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <edo/detail/io.hpp>
#include <edo/detail/stream.hpp>
#include <edo/net/socket_address.hpp>
#include <edo/task.hpp>

namespace edo::net {

class EDO_API udp_socket {
 public:
  udp_socket() noexcept = default;
  udp_socket(udp_socket&&) noexcept = default;
  udp_socket& operator=(udp_socket&&) noexcept = default;

  [[nodiscard]] static task<udp_socket> bind(socket_address addr);
  [[nodiscard]] static task<udp_socket> bind(std::string host_port);
  // Adopts a UDP socket (made non-blocking and close-on-exec here).
  static udp_socket from_fd(int fd);

  // Sets the default peer: send()/recv() use it, and datagrams from others are dropped.
  [[nodiscard]] task<void> connect(socket_address addr);
  [[nodiscard]] task<void> connect(std::string host_port);

  [[nodiscard]] task<std::size_t> send_to(std::span<const std::byte> buf, socket_address to) const;
  [[nodiscard]] task<std::pair<std::size_t, socket_address>> recv_from(
      std::span<std::byte> buf) const;
  [[nodiscard]] task<std::size_t> send(std::span<const std::byte> buf) const;
  [[nodiscard]] task<std::size_t> recv(std::span<std::byte> buf) const;

  [[nodiscard]] task<std::size_t> send_to(std::string_view s, socket_address to) const {
    return send_to(std::as_bytes(std::span<const char>(s.data(), s.size())), to);
  }
  [[nodiscard]] task<std::size_t> send(std::string_view s) const {
    return send(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }

  // One attempt without waiting: nullopt if it would block.
  std::optional<std::size_t> try_send_to(std::span<const std::byte> buf, socket_address to) const;
  std::optional<std::pair<std::size_t, socket_address>> try_recv_from(
      std::span<std::byte> buf) const;
  std::optional<std::size_t> try_send(std::span<const std::byte> buf) const;
  std::optional<std::size_t> try_recv(std::span<std::byte> buf) const;

  [[nodiscard]] edo::detail::ready_wait readable() const noexcept {
    return edo::detail::ready_wait(io_.registration(), edo::detail::io_interest::read);
  }
  [[nodiscard]] edo::detail::ready_wait writable() const noexcept {
    return edo::detail::ready_wait(io_.registration(), edo::detail::io_interest::write);
  }

  explicit operator bool() const noexcept { return static_cast<bool>(io_); }
  socket_address local_addr() const;
  socket_address peer_addr() const;
  void set_broadcast(bool on);
  bool broadcast() const;
  void set_ttl(std::uint32_t ttl);
  int native_handle() const noexcept { return io_.fd(); }
  const edo::detail::io_source& source() const noexcept { return io_; }

 private:
  explicit udp_socket(edo::detail::io_source s) noexcept : io_(std::move(s)) {}
  edo::detail::io_source io_;
};

}  // namespace edo::net
