// TCP: echo, partial reads and writes, split halves, nodelay, shutdown, addresses.
#include <edo/edo.hpp>
#include <edo/net/tcp.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "support/io_test.hpp"

namespace {

using namespace std::chrono_literals;
using edo::net::socket_address;
using edo::net::tcp_listener;
using edo::net::tcp_stream;
using edo_test::bytes;
using edo_test::str;

class Tcp : public edo_test::io_flavor_test {};

edo::task<> echo_once(tcp_listener& l) {
  auto [s, peer] = co_await l.accept();
  EXPECT_TRUE(peer.is_loopback());
  std::array<std::byte, 4096> buf;
  while (std::size_t n = co_await s.read(buf)) {
    co_await s.write_all(std::span<const std::byte>(buf.data(), n));
  }
}

TEST_P(Tcp, Echo) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await tcp_listener::bind("127.0.0.1:0");
    const socket_address addr = l.local_addr();
    EXPECT_NE(addr.port(), 0);
    auto server = edo::spawn(echo_once(l));
    auto c = co_await tcp_stream::connect(addr);
    co_await c.write_all("hello, edo");
    std::array<char, 10> got{};
    co_await c.read_exact(got);
    EXPECT_EQ(std::string(got.data(), got.size()), "hello, edo");
    co_await c.shutdown();
    std::array<std::byte, 8> rest;
    EXPECT_EQ(co_await c.read(rest), 0u);  // EOF after the server closed
    co_await server;
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, Tcp, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
