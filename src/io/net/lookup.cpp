// lookup_host (see <edo/net/lookup.hpp>): getaddrinfo on the blocking pool.
#include <edo/net/lookup.hpp>

#include <netdb.h>

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <edo/blocking.hpp>

#include "io/net/socket_util.hpp"

namespace edo::net {
namespace {

class resolve_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "getaddrinfo"; }
  std::string message(int c) const override { return ::gai_strerror(c); }
};

std::optional<socket_address> literal(const std::string& host, std::uint16_t port) {
  in6_addr a6;
  in_addr a4;
  if (::inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
      ::inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    return socket_address(host, port);
  }
  return std::nullopt;
}

struct resolved {
  int err = 0;
  int sys_errno = 0;
  std::vector<socket_address> addrs;
};

resolved resolve_blocking(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  resolved out;
  out.err = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (out.err == EAI_SYSTEM) out.sys_errno = errno;
  if (out.err != 0) return out;
  for (addrinfo* p = res; p != nullptr; p = p->ai_next) {
    if (p->ai_family == AF_INET || p->ai_family == AF_INET6) {
      out.addrs.emplace_back(p->ai_addr, p->ai_addrlen);
    }
  }
  ::freeaddrinfo(res);
  return out;
}

}  // namespace

const std::error_category& resolve_category() noexcept {
  static const resolve_category_impl c;
  return c;
}

task<std::vector<socket_address>> lookup_host(std::string host, std::uint16_t port) {
  if (auto a = literal(host, port)) co_return std::vector<socket_address>{*a};
  // Named before the await: g++ 12 may destroy a co_await operand's temporaries twice
  // (GCC PR 100611), and this lambda owns a string.
  auto job = edo::spawn_blocking([h = std::move(host), port] { return resolve_blocking(h, port); });
  resolved r = co_await job;
  if (r.err == EAI_SYSTEM)
    throw std::system_error(r.sys_errno, std::generic_category(), "lookup_host");
  if (r.err != 0) throw std::system_error(r.err, resolve_category(), "lookup_host");
  co_return std::move(r.addrs);
}

task<std::vector<socket_address>> lookup_host(std::string host_port) {
  std::string host, port;
  unsigned p = 0;
  if (!detail::split_host_port(host_port, host, port)) {
    throw std::invalid_argument("edo::net::lookup_host: expected \"host:port\", got \"" +
                                host_port + "\"");
  }
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || port.empty() || p > 65535) {
    throw std::invalid_argument("edo::net::lookup_host: bad port in \"" + host_port + "\"");
  }
  co_return co_await lookup_host(std::move(host), static_cast<std::uint16_t>(p));
}

}  // namespace edo::net
