// The I/O workloads of WORKLOADS.md on edo: tcp_echo.
//
// tcp_echo: an echo server on 127.0.0.1:0 in the same process (one task per connection,
// reading into a 4 KiB buffer and writing back what it read), 50 client tasks each doing
// `tcp_round_trips_per_client` round trips of a 64-byte message (write_all then
// read_exact), Nagle off on both ends. The clock runs from before the clients connect until
// the last client finished — the same program as bench/peers/tokio's.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <edo/edo.hpp>
#include <edo/net/tcp.hpp>

#include "workloads.hpp"

namespace edo_bench {
namespace {

using steady = std::chrono::steady_clock;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "edo_bench: check failed: %s\n", what);
    std::abort();
  }
}

edo::task<> echo_session(edo::net::tcp_stream s) {
  std::array<std::byte, 4096> buf;
  for (;;) {
    const std::size_t k = co_await s.read(buf);
    if (k == 0) break;
    co_await s.write_all(std::span<const std::byte>(buf.data(), k));
  }
}

edo::task<> echo_server(edo::net::tcp_listener listener) {
  std::vector<edo::join_handle<void>> sessions;
  sessions.reserve(tcp_clients);
  for (std::uint64_t i = 0; i < tcp_clients; ++i) {
    auto [s, peer] = co_await listener.accept();
    s.set_nodelay(true);
    sessions.push_back(edo::spawn(echo_session(std::move(s))));
  }
  for (auto& h : sessions) co_await h;
}

edo::task<> echo_client(edo::net::socket_address addr, std::uint64_t c, std::uint64_t trips) {
  auto s = co_await edo::net::tcp_stream::connect(addr);
  s.set_nodelay(true);
  std::array<std::byte, tcp_msg> msg;
  msg.fill(static_cast<std::byte>(c));
  std::array<std::byte, tcp_msg> buf;
  for (std::uint64_t i = 0; i < trips; ++i) {
    co_await s.write_all(msg);
    co_await s.read_exact(buf);
    require(buf == msg, "tcp_echo reply");
  }
}

edo::task<run> tcp_echo_run(std::uint64_t trips) {
  auto listener = co_await edo::net::tcp_listener::bind("127.0.0.1:0");
  const edo::net::socket_address addr = listener.local_addr();
  auto server = edo::spawn(echo_server(std::move(listener)));
  const auto t0 = steady::now();
  std::vector<edo::join_handle<void>> clients;
  clients.reserve(tcp_clients);
  for (std::uint64_t c = 0; c < tcp_clients; ++c)
    clients.push_back(edo::spawn(echo_client(addr, c, trips)));
  for (auto& h : clients) co_await h;
  const auto elapsed = steady::now() - t0;
  co_await server;
  co_return run{tcp_clients * trips, elapsed};
}

}  // namespace

run tcp_echo(edo::runtime& rt, const sizes& sz) {
  return rt.block_on([](std::uint64_t trips) -> edo::task<run> {
    co_return co_await edo::spawn(tcp_echo_run(trips));
  }(sz.tcp_round_trips_per_client));
}

}  // namespace edo_bench
