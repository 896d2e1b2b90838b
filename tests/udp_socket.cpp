// UDP: send_to/recv_from, connected send/recv, truncation, concurrent receivers, try_*
// calls, cancellation, IPv6. Both runtime flavors; no descriptor may leak.
#include <edo/edo.hpp>
#include <edo/net/udp.hpp>

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "support/io_test.hpp"

namespace {

using edo::net::socket_address;
using edo::net::udp_socket;
using edo_test::bytes;
using edo_test::str;

class Udp : public edo_test::io_flavor_test {};

TEST_P(Udp, SendToAndRecvFrom) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto a = co_await udp_socket::bind("127.0.0.1:0");
    auto b = co_await udp_socket::bind("127.0.0.1:0");
    EXPECT_EQ(co_await a.send_to(bytes("datagram"), b.local_addr()), 8u);
    std::array<std::byte, 64> buf;
    auto [n, from] = co_await b.recv_from(buf);
    EXPECT_EQ(str(std::span(buf).first(n)), "datagram");
    EXPECT_EQ(from, a.local_addr());
  }());
}

TEST_P(Udp, ConnectedSendAndRecv) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto a = co_await udp_socket::bind("127.0.0.1:0");
    auto b = co_await udp_socket::bind("127.0.0.1:0");
    co_await a.connect(b.local_addr());
    co_await b.connect(a.local_addr());
    EXPECT_EQ(a.peer_addr(), b.local_addr());
    for (int i = 0; i < 100; ++i) {
      const std::string msg = "m" + std::to_string(i);
      co_await a.send(msg);
      std::array<std::byte, 16> buf;
      const std::size_t n = co_await b.recv(buf);
      EXPECT_EQ(str(std::span(buf).first(n)), msg);
    }
  }());
}

TEST_P(Udp, LongDatagramIsTruncated) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto a = co_await udp_socket::bind("127.0.0.1:0");
    auto b = co_await udp_socket::bind("127.0.0.1:0");
    co_await a.send_to(bytes("0123456789"), b.local_addr());
    co_await a.send_to(bytes("next"), b.local_addr());
    std::array<std::byte, 4> small;
    auto [n, from] = co_await b.recv_from(small);
    EXPECT_EQ(n, 4u);
    EXPECT_EQ(str(small), "0123");
    auto [m, from2] = co_await b.recv_from(small);  // the rest of the first one is gone
    EXPECT_EQ(str(std::span(small).first(m)), "next");
  }());
}

TEST_P(Udp, ConcurrentReceiversEachGetDatagrams) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto a = co_await udp_socket::bind("127.0.0.1:0");
    auto b = co_await udp_socket::bind("127.0.0.1:0");
    constexpr int per_receiver = 50;
    // One set per receiver: on the multi-thread runtime they run on different workers.
    std::set<std::string> seen1, seen2;
    auto receive = [](udp_socket& s, std::set<std::string>& out) -> edo::task<> {
      for (int i = 0; i < per_receiver; ++i) {
        std::array<std::byte, 32> buf;
        auto [n, from] = co_await s.recv_from(buf);
        out.insert(str(std::span(buf).first(n)));
      }
    };
    auto r1 = edo::spawn(receive, std::ref(b), std::ref(seen1));
    auto r2 = edo::spawn(receive, std::ref(b), std::ref(seen2));
    co_await edo::yield_now();
    for (int i = 0; i < 2 * per_receiver; ++i) {
      // Datagrams may be dropped if the receive buffer overflowed: pace on writability.
      co_await a.send_to(std::to_string(i), b.local_addr());
      if (i % 8 == 7) co_await edo::yield_now();
    }
    co_await r1;
    co_await r2;
    std::set<std::string> seen = seen1;
    seen.insert(seen2.begin(), seen2.end());
    EXPECT_EQ(seen.size(), 2u * per_receiver);  // each datagram went to exactly one receiver
  }());
}

TEST_P(Udp, TryCallsAndCancelledRecv) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto a = co_await udp_socket::bind("127.0.0.1:0");
    auto b = co_await udp_socket::bind("127.0.0.1:0");
    std::array<std::byte, 16> buf;
    EXPECT_FALSE(b.try_recv_from(buf).has_value());
    auto r = co_await edo::select(b.recv_from(buf), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    EXPECT_EQ(a.try_send_to(bytes("x"), b.local_addr()), 1u);
    co_await b.readable();
    auto got = b.try_recv_from(buf);
    CO_ASSERT_TRUE(got.has_value());
    EXPECT_EQ(str(std::span(buf).first(got->first)), "x");
  }());
}

TEST_P(Udp, Ipv6AndOptions) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto a = co_await udp_socket::bind("[::1]:0");
    auto b = co_await udp_socket::bind(socket_address::loopback_v6(0));
    EXPECT_TRUE(a.local_addr().is_ipv6());
    co_await a.send_to(bytes("six"), b.local_addr());
    std::array<std::byte, 8> buf;
    auto [n, from] = co_await b.recv_from(buf);
    EXPECT_EQ(str(std::span(buf).first(n)), "six");
    auto c = co_await udp_socket::bind("127.0.0.1:0");
    c.set_broadcast(true);
    EXPECT_TRUE(c.broadcast());
  }());
}

TEST_P(Udp, ConnectedRecvReportsRefused) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    socket_address gone;
    {
      auto t = co_await udp_socket::bind("127.0.0.1:0");
      gone = t.local_addr();
    }
    auto a = co_await udp_socket::bind("127.0.0.1:0");
    co_await a.connect(gone);
    std::error_code ec;
    try {
      co_await a.send("anyone?");
      std::array<std::byte, 8> buf;
      co_await a.recv(buf);  // the ICMP port-unreachable comes back as ECONNREFUSED
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, std::errc::connection_refused);
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, Udp, edo_test::all_flavors(), edo_test::flavor_name);

TEST(SocketAddress, ParseAndPrint) {
  auto a = socket_address::parse("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_ipv4());
  EXPECT_EQ(a->port(), 8080);
  EXPECT_EQ(a->to_string(), "127.0.0.1:8080");
  auto b = socket_address::parse("[::1]:443");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->is_ipv6());
  EXPECT_TRUE(b->is_loopback());
  EXPECT_EQ(b->to_string(), "[::1]:443");
  EXPECT_EQ(socket_address("::1", 443), *b);
  EXPECT_FALSE(socket_address::parse("::1:443"));
  EXPECT_FALSE(socket_address::parse("localhost:80"));
  EXPECT_FALSE(socket_address::parse("1.2.3.4"));
  EXPECT_FALSE(socket_address::parse("1.2.3.4:99999"));
  EXPECT_FALSE(socket_address::parse("[1.2.3.4]:9"));
  EXPECT_THROW(socket_address("not an ip", 1), std::invalid_argument);
  std::ostringstream os;
  os << socket_address::loopback_v4(9);
  EXPECT_EQ(os.str(), "127.0.0.1:9");
  EXPECT_TRUE(socket_address().is_unspecified());
}

}  // namespace
