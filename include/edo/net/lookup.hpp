// edo::net::lookup_host — name resolution (getaddrinfo) on the blocking pool, as Tokio's
// lookup_host: the workers never block on DNS.
//
//   for (auto& a : co_await edo::net::lookup_host("localhost:80")) std::cout << a << '\n';
//
// Literal addresses ("127.0.0.1:80", "[::1]:80") are returned without a blocking job.
// Failures throw std::system_error: an errno for EAI_SYSTEM, otherwise the EAI_* code in
// resolve_category() ("getaddrinfo"). Cancel safe (a cancelled lookup's job runs to its end
// on the pool; its result is dropped).
#pragma once

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include <edo/net/socket_address.hpp>
#include <edo/task.hpp>

namespace edo::net {

// "host:port" or "[v6]:port"; the port is numeric.
[[nodiscard]] EDO_API task<std::vector<socket_address>> lookup_host(std::string host_port);
[[nodiscard]] EDO_API task<std::vector<socket_address>> lookup_host(std::string host,
                                                                    std::uint16_t port);

// The category of getaddrinfo's EAI_* errors.
EDO_API const std::error_category& resolve_category() noexcept;

}  // namespace edo::net
