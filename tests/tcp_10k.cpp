// 10,000 loopback connections open at once. One process may hold 20,000 descriptors, so
// the server runs in a child process (this test binary again, filtered to the
// ServerProcess test): it prints its port, accepts 10,000 connections and echoes on each.
// The parent opens all 10,000 (at most 200 connects in flight, so the accept queue never
// overflows), makes one round trip on each while all are open, then closes them all.
#include <edo/edo.hpp>
#include <edo/io/buf_reader.hpp>
#include <edo/net/tcp.hpp>
#include <edo/process.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/io_test.hpp"

namespace {

using edo::net::socket_address;
using edo::net::tcp_listener;
using edo::net::tcp_stream;

constexpr int connections = 10'000;
constexpr int connectors = 200;

edo::task<> echo(tcp_stream s) {
  std::array<std::byte, 64> buf;
  while (std::size_t n = co_await s.read(buf)) {
    co_await s.write_all(std::span<const std::byte>(buf.data(), n));
  }
}

// Runs only as the child (EDO_TCP10K_SERVER=1).
TEST(Tcp10k, ServerProcess) {
  if (std::getenv("EDO_TCP10K_SERVER") == nullptr) GTEST_SKIP() << "the server half of Tcp10k";
  auto rt = edo::runtime::builder::current_thread().enable_all().build();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await tcp_listener::bind(socket_address::loopback_v4(0), 4096);
    std::printf("port %u\n", l.local_addr().port());
    std::fflush(stdout);
    std::vector<edo::join_handle<void>> hs;
    hs.reserve(connections);
    for (int i = 0; i < connections; ++i) {
      auto [s, peer] = co_await l.accept();
      hs.push_back(edo::spawn(echo(std::move(s))));
    }
    for (auto& h : hs) co_await h;
  }());
}

class Tcp10k : public edo_test::io_flavor_test {};

TEST_P(Tcp10k, TenThousandConnectionsAtOnce) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto server = edo::process::command("/proc/self/exe")
                      .arg("--gtest_filter=Tcp10k.ServerProcess")
                      .env("EDO_TCP10K_SERVER", "1")
                      .set_stdout(edo::process::stdio::piped())
                      .kill_on_drop(true)
                      .spawn();
    edo::io::buf_reader out(*server.take_stdout());
    auto lines = out.lines();
    std::uint16_t port = 0;
    while (auto line = co_await lines.next_line()) {
      if (line->rfind("port ", 0) == 0) {
        port = static_cast<std::uint16_t>(std::stoi(line->substr(5)));
        break;
      }
    }
    CO_ASSERT_TRUE(port != 0);
    const socket_address addr = socket_address::loopback_v4(port);

    std::vector<tcp_stream> streams(connections);
    std::vector<edo::join_handle<void>> hs;
    for (int c = 0; c < connectors; ++c) {
      hs.push_back(edo::spawn(
          [](std::vector<tcp_stream>& ss, socket_address a, int first) -> edo::task<> {
            for (int i = first; i < connections; i += connectors)
              ss[static_cast<std::size_t>(i)] = co_await tcp_stream::connect(a);
          },
          std::ref(streams), addr, c));
    }
    for (auto& h : hs) co_await h;
    hs.clear();
    // Every connection is open now; one round trip on each.
    for (int c = 0; c < connectors; ++c) {
      hs.push_back(edo::spawn(
          [](std::vector<tcp_stream>& ss, int first) -> edo::task<> {
            for (int i = first; i < connections; i += connectors) {
              const std::string msg = std::to_string(i);
              auto& s = ss[static_cast<std::size_t>(i)];
              co_await s.write_all(msg);
              std::string got(msg.size(), '\0');
              co_await s.read_exact(std::span<char>(got));
              if (got != msg) ADD_FAILURE() << "connection " << i << " echoed " << got;
            }
          },
          std::ref(streams), c));
    }
    for (auto& h : hs) co_await h;
    EXPECT_EQ(edo_test::open_fds() >= connections, true);
    streams.clear();  // the server's sessions see EOF and end; then the server exits
    const auto status = co_await server.wait();
    EXPECT_TRUE(status.success());
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, Tcp10k, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
