// edo::net::socket_address — an IPv4 or IPv6 address with a port (Rust's SocketAddr).
//
//   auto a = edo::net::socket_address::parse("127.0.0.1:8080");   // std::optional
//   auto b = edo::net::socket_address("::1", 443);                 // throws on a bad IP
//   std::cout << *a << ' ' << b.to_string();                       // 127.0.0.1:8080 [::1]:443
//
// Parsing takes literals only ("a.b.c.d:port", "[v6]:port"); names go through
// edo::net::lookup_host (or the "host:port" overloads of connect and bind). Stored as the
// sockaddr the kernel takes, so passing it to a system call copies nothing.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <edo/detail/config.hpp>

namespace edo::net {

class EDO_API socket_address {
 public:
  // 0.0.0.0:0
  socket_address() noexcept;
  // `ip` is an IPv4 or IPv6 literal (no brackets); throws std::invalid_argument otherwise.
  socket_address(std::string_view ip, std::uint16_t port);
  // From a kernel address (AF_INET or AF_INET6; throws std::invalid_argument otherwise).
  socket_address(const sockaddr* sa, socklen_t len);

  // "a.b.c.d:port" or "[v6]:port" (port required); nullopt when it is not one.
  static std::optional<socket_address> parse(std::string_view s) noexcept;
  // 127.0.0.1 / ::1 with `port`.
  static socket_address loopback_v4(std::uint16_t port) noexcept;
  static socket_address loopback_v6(std::uint16_t port) noexcept;

  bool is_ipv4() const noexcept { return u_.v4.sin_family == AF_INET; }
  bool is_ipv6() const noexcept { return u_.v6.sin6_family == AF_INET6; }
  int family() const noexcept { return u_.v4.sin_family; }
  std::uint16_t port() const noexcept;
  void set_port(std::uint16_t port) noexcept;
  // The IP alone ("127.0.0.1", "::1").
  std::string ip() const;
  bool is_loopback() const noexcept;
  bool is_unspecified() const noexcept;
  // "127.0.0.1:80" or "[::1]:80".
  std::string to_string() const;

  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&u_); }
  socklen_t size() const noexcept { return is_ipv6() ? sizeof(sockaddr_in6) : sizeof(sockaddr_in); }

  friend bool operator==(const socket_address& a, const socket_address& b) noexcept;

 private:
  union {
    sockaddr_in v4;
    sockaddr_in6 v6;
  } u_;
};

EDO_API std::ostream& operator<<(std::ostream& os, const socket_address& a);

}  // namespace edo::net
