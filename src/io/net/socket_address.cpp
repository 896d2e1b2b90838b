// socket_address (see <edo/net/socket_address.hpp>): parsing and printing with inet_pton /
// inet_ntop, no allocation except the printed string.
#include <edo/net/socket_address.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <ostream>
#include <stdexcept>

namespace edo::net {

socket_address::socket_address() noexcept {
  std::memset(&u_, 0, sizeof u_);
  u_.v4.sin_family = AF_INET;
}

socket_address::socket_address(std::string_view ip, std::uint16_t port) {
  std::memset(&u_, 0, sizeof u_);
  char buf[INET6_ADDRSTRLEN + 1];
  if (ip.size() >= sizeof buf) throw std::invalid_argument("edo::net::socket_address: bad IP");
  std::memcpy(buf, ip.data(), ip.size());
  buf[ip.size()] = '\0';
  if (::inet_pton(AF_INET, buf, &u_.v4.sin_addr) == 1) {
    u_.v4.sin_family = AF_INET;
    u_.v4.sin_port = htons(port);
    return;
  }
  if (::inet_pton(AF_INET6, buf, &u_.v6.sin6_addr) == 1) {
    u_.v6.sin6_family = AF_INET6;
    u_.v6.sin6_port = htons(port);
    return;
  }
  throw std::invalid_argument("edo::net::socket_address: not an IP address: " + std::string(ip));
}

socket_address::socket_address(const sockaddr* sa, socklen_t len) {
  std::memset(&u_, 0, sizeof u_);
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    std::memcpy(&u_.v4, sa, sizeof(sockaddr_in));
  } else if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    std::memcpy(&u_.v6, sa, sizeof(sockaddr_in6));
  } else {
    throw std::invalid_argument("edo::net::socket_address: not an IPv4 or IPv6 address");
  }
}

std::optional<socket_address> socket_address::parse(std::string_view s) noexcept {
  std::string_view host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return std::nullopt;
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // v6 needs brackets
  }
  unsigned p = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty() || p > 65535) {
    return std::nullopt;
  }
  try {
    socket_address a(host, static_cast<std::uint16_t>(p));
    if (s.front() == '[' && !a.is_ipv6()) return std::nullopt;
    return a;
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

socket_address socket_address::loopback_v4(std::uint16_t port) noexcept {
  socket_address a;
  a.u_.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.u_.v4.sin_port = htons(port);
  return a;
}

socket_address socket_address::loopback_v6(std::uint16_t port) noexcept {
  socket_address a;
  std::memset(&a.u_, 0, sizeof a.u_);
  a.u_.v6.sin6_family = AF_INET6;
  a.u_.v6.sin6_addr = in6addr_loopback;
  a.u_.v6.sin6_port = htons(port);
  return a;
}

std::uint16_t socket_address::port() const noexcept {
  return ntohs(is_ipv6() ? u_.v6.sin6_port : u_.v4.sin_port);
}

void socket_address::set_port(std::uint16_t port) noexcept {
  if (is_ipv6()) {
    u_.v6.sin6_port = htons(port);
  } else {
    u_.v4.sin_port = htons(port);
  }
}

std::string socket_address::ip() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_ipv6()) {
    ::inet_ntop(AF_INET6, &u_.v6.sin6_addr, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET, &u_.v4.sin_addr, buf, sizeof buf);
  }
  return buf;
}

bool socket_address::is_loopback() const noexcept {
  if (is_ipv6()) return IN6_IS_ADDR_LOOPBACK(&u_.v6.sin6_addr);
  return (ntohl(u_.v4.sin_addr.s_addr) >> 24) == 127;
}

bool socket_address::is_unspecified() const noexcept {
  if (is_ipv6()) return IN6_IS_ADDR_UNSPECIFIED(&u_.v6.sin6_addr);
  return u_.v4.sin_addr.s_addr == 0;
}

std::string socket_address::to_string() const {
  std::string s = is_ipv6() ? "[" + ip() + "]" : ip();
  s += ':';
  s += std::to_string(port());
  return s;
}

bool operator==(const socket_address& a, const socket_address& b) noexcept {
  if (a.family() != b.family()) return false;
  if (a.is_ipv6()) {
    return a.u_.v6.sin6_port == b.u_.v6.sin6_port &&
           std::memcmp(&a.u_.v6.sin6_addr, &b.u_.v6.sin6_addr, sizeof(in6_addr)) == 0 &&
           a.u_.v6.sin6_scope_id == b.u_.v6.sin6_scope_id;
  }
  return a.u_.v4.sin_port == b.u_.v4.sin_port && a.u_.v4.sin_addr.s_addr == b.u_.v4.sin_addr.s_addr;
}

std::ostream& operator<<(std::ostream& os, const socket_address& a) {
  return os << a.to_string();
}

}  // namespace edo::net
