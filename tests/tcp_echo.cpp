// TCP: echo, partial reads and writes, split halves, nodelay, shutdown, addresses, name
// resolution, readiness and try_* calls, a reset peer, SIGPIPE, cancellation of every
// operation, signals interrupting the parked driver. Both runtime flavors; every test
// checks that no file descriptor leaked.
#include <edo/blocking.hpp>
#include <edo/edo.hpp>
#include <edo/io/util.hpp>
#include <edo/net/lookup.hpp>
#include <edo/net/tcp.hpp>

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <csignal>
#include <numeric>
#include <string>
#include <thread>
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

// A connected pair over a fresh listener.
edo::task<std::pair<tcp_stream, tcp_stream>> connected_pair() {
  auto l = co_await tcp_listener::bind("127.0.0.1:0");
  auto accepting = edo::spawn(
      [](tcp_listener& ll) -> edo::task<tcp_stream> {
        auto [s, peer] = co_await ll.accept();
        co_return std::move(s);
      },
      std::ref(l));
  auto c = co_await tcp_stream::connect(l.local_addr());
  auto s = co_await accepting;
  co_return std::pair<tcp_stream, tcp_stream>(std::move(c), std::move(s));
}

TEST_P(Tcp, Echo) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await tcp_listener::bind("127.0.0.1:0");
    const socket_address addr = l.local_addr();
    EXPECT_NE(addr.port(), 0);
    auto server = edo::spawn(echo_once(l));
    auto c = co_await tcp_stream::connect(addr);
    EXPECT_EQ(c.peer_addr(), addr);
    EXPECT_TRUE(c.local_addr().is_loopback());
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

TEST_P(Tcp, EchoWhileAnotherTaskNeverLetsTheRuntimePark) {
  // A task that only yields keeps the runtime from ever parking: the echo's readiness must
  // come from the polls between runs (which skip epoll_wait only while no fd is watched).
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    std::atomic<bool> done{false};
    auto spinner = edo::spawn([](std::atomic<bool>& d) -> edo::task<> {
      while (!d.load()) co_await edo::yield_now();
    }(done));
    auto l = co_await tcp_listener::bind("127.0.0.1:0");
    auto server = edo::spawn(echo_once(l));
    auto c = co_await tcp_stream::connect(l.local_addr());
    for (int i = 0; i < 50; ++i) {
      co_await c.write_all("ping");
      std::array<char, 4> got{};
      co_await c.read_exact(got);
      EXPECT_EQ(std::string(got.data(), got.size()), "ping");
    }
    co_await c.shutdown();
    co_await server;
    done.store(true);
    co_await spinner;
  }());
}

TEST_P(Tcp, ManyConcurrentEchoes) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await tcp_listener::bind("127.0.0.1:0");
    const socket_address addr = l.local_addr();
    constexpr int clients = 64;
    auto server = edo::spawn(
        [](tcp_listener& ll) -> edo::task<> {
          std::vector<edo::join_handle<void>> hs;
          for (int i = 0; i < clients; ++i) {
            auto [s, peer] = co_await ll.accept();
            hs.push_back(edo::spawn(
                [](tcp_stream st) -> edo::task<> {
                  std::array<std::byte, 512> buf;
                  while (std::size_t n = co_await st.read(buf)) {
                    co_await st.write_all(std::span<const std::byte>(buf.data(), n));
                  }
                },
                std::move(s)));
          }
          for (auto& h : hs) co_await h;
        },
        std::ref(l));
    std::vector<edo::join_handle<void>> cs;
    for (int c = 0; c < clients; ++c) {
      cs.push_back(edo::spawn(
          [](socket_address a, int id) -> edo::task<> {
            auto s = co_await tcp_stream::connect(a);
            s.set_nodelay(true);
            for (int i = 0; i < 50; ++i) {
              const std::string msg =
                  "client " + std::to_string(id) + " message " + std::to_string(i);
              co_await s.write_all(msg);
              std::string got(msg.size(), '\0');
              co_await s.read_exact(std::span<char>(got));
              EXPECT_EQ(got, msg);
            }
          },
          addr, c));
    }
    for (auto& h : cs) co_await h;
    co_await server;
  }());
}

TEST_P(Tcp, PartialReadsAndWritesCompleteLargeTransfers) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    // 8 MiB is far more than the socket buffers: write_all must loop over short writes
    // while the reader reads in odd-sized pieces.
    std::vector<std::byte> data(8 << 20);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 131 + 7);
    auto writer = edo::spawn(
        [](tcp_stream& s, const std::vector<std::byte>& d) -> edo::task<> {
          co_await s.write_all(d);
          co_await s.shutdown();
        },
        std::ref(a), std::cref(data));
    std::vector<std::byte> got;
    std::array<std::byte, 1000> buf;
    std::size_t reads = 0;
    while (std::size_t n = co_await b.read(buf)) {
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      ++reads;
    }
    co_await writer;
    EXPECT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
    EXPECT_GE(reads, data.size() / buf.size());
  }());
}

TEST_P(Tcp, WriteSomeReturnsShortCountWhenTheBufferFills) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    std::vector<std::byte> big(64 << 20);
    const std::size_t n = co_await a.write(big);  // one write: as much as fits
    EXPECT_GT(n, 0u);
    EXPECT_LT(n, big.size());
    // Nothing more fits now.
    EXPECT_FALSE(a.try_write(big).has_value());
  }());
}

TEST_P(Tcp, SplitHalvesReadAndWriteConcurrently) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    auto [rd, wr] = a.split();
    // One strand reads everything b sends while the other writes to b: with 4 MiB each
    // way neither side could finish if reads and writes blocked each other.
    std::vector<std::byte> out(4 << 20, std::byte{1});
    auto peer = edo::spawn(
        [](tcp_stream& s) -> edo::task<std::size_t> {
          std::vector<std::byte> payload(4 << 20, std::byte{2});
          auto [r, w] = s.split();
          auto [sent, received] = co_await edo::join(
              [](edo::net::write_half ww,
                 const std::vector<std::byte>& p) -> edo::task<std::size_t> {
                co_await ww.write_all(p);
                co_await ww.shutdown();
                co_return p.size();
              }(w, payload),
              [](edo::net::read_half rr) -> edo::task<std::size_t> {
                std::vector<std::byte> sink;
                co_return co_await edo::io::read_to_end(rr, sink);
              }(r));
          EXPECT_EQ(sent, payload.size());
          co_return received;
        },
        std::ref(b));
    auto [received, sent] = co_await edo::join(
        [](edo::net::read_half r) -> edo::task<std::size_t> {
          std::vector<std::byte> sink;
          const std::size_t n = co_await edo::io::read_to_end(r, sink);
          for (std::byte x : sink) {
            if (x != std::byte{2}) {
              ADD_FAILURE() << "corrupt byte";
              break;
            }
          }
          co_return n;
        }(rd),
        [](edo::net::write_half w, const std::vector<std::byte>& o) -> edo::task<std::size_t> {
          co_await w.write_all(o);
          co_await w.shutdown();
          co_return o.size();
        }(wr, out));
    EXPECT_EQ(received, std::size_t{4} << 20);
    EXPECT_EQ(sent, out.size());
    EXPECT_EQ(co_await peer, out.size());
  }());
}

TEST_P(Tcp, OwnedHalvesInSeparateTasks) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    auto [rd, wr] = std::move(a).into_split();
    auto reader = edo::spawn(
        [](edo::net::owned_read_half r) -> edo::task<std::string> {
          std::string s;
          co_await edo::io::read_to_string(r, s);
          co_return s;
        },
        std::move(rd));
    auto writer = edo::spawn(
        [](edo::net::owned_write_half w) -> edo::task<> {
          for (int i = 0; i < 100; ++i) co_await w.write_all("x");
          // Dropping the owned write half shuts the write direction down.
        },
        std::move(wr));
    co_await writer;
    // b sees a's 100 bytes then EOF; then b answers and closes.
    std::string at_b;
    co_await edo::io::read_to_string(b, at_b);
    EXPECT_EQ(at_b, std::string(100, 'x'));
    co_await b.write_all("bye");
    co_await b.shutdown();
    EXPECT_EQ(co_await reader, "bye");
  }());
}

TEST_P(Tcp, NodelayTtlAndLinger) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    EXPECT_FALSE(a.nodelay());
    a.set_nodelay(true);
    EXPECT_TRUE(a.nodelay());
    a.set_nodelay(false);
    EXPECT_FALSE(a.nodelay());
    a.set_ttl(42);
    EXPECT_EQ(a.ttl(), 42u);
    a.set_linger(5s);
    a.set_linger(std::nullopt);
  }());
}

TEST_P(Tcp, ShutdownWriteGivesThePeerEofButKeepsReading) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    co_await a.write_all("last words");
    a.shutdown(edo::net::shutdown_how::write);
    std::string got;
    co_await edo::io::read_to_string(b, got);
    EXPECT_EQ(got, "last words");
    co_await b.write_all("reply");  // a can still read
    std::array<char, 5> r{};
    co_await a.read_exact(r);
    EXPECT_EQ(std::string(r.data(), 5), "reply");
  }());
}

TEST_P(Tcp, ReadExactAtEofThrowsUnexpectedEof) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    co_await a.write_all("abc");
    co_await a.shutdown();
    std::array<char, 8> buf{};
    std::error_code ec;
    try {
      co_await b.read_exact(buf);
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, edo::io::errc::unexpected_eof);
  }());
}

TEST_P(Tcp, PeerResetSurfacesAsEconnreset) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    co_await a.write_all("unread");  // b closes with unread data: the kernel resets
    std::array<char, 1> one{};
    co_await b.read_exact(one);
    b.set_linger(0s);
    { tcp_stream gone = std::move(b); }
    std::array<char, 16> buf{};
    std::error_code ec;
    try {
      while (co_await a.read(buf) > 0) {
      }
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, std::errc::connection_reset);
  }());
}

TEST_P(Tcp, WritingToAResetPeerIsAnErrorNotSigpipe) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    b.set_linger(0s);
    { tcp_stream gone = std::move(b); }
    std::error_code ec;
    try {
      for (int i = 0; i < 1000; ++i) co_await a.write_all("data that nobody reads");
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_TRUE(ec == std::errc::broken_pipe || ec == std::errc::connection_reset) << ec.message();
  }());
}

TEST_P(Tcp, ConnectRefused) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    // A port that was just free: bind, note it, close.
    socket_address addr;
    {
      auto l = co_await tcp_listener::bind("127.0.0.1:0");
      addr = l.local_addr();
    }
    std::error_code ec;
    try {
      co_await tcp_stream::connect(addr);
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, std::errc::connection_refused);
  }());
}

TEST_P(Tcp, ConnectByNameAndIpv6) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await tcp_listener::bind("127.0.0.1:0");
    const std::uint16_t port = l.local_addr().port();
    auto server = edo::spawn(echo_once(l));
    const std::string name = "localhost:" + std::to_string(port);
    auto c = co_await tcp_stream::connect(name);
    co_await c.write_all("by name");
    std::array<char, 7> got{};
    co_await c.read_exact(got);
    EXPECT_EQ(std::string(got.data(), 7), "by name");
    co_await c.shutdown();
    co_await server;

    auto l6 = co_await tcp_listener::bind("[::1]:0");
    EXPECT_TRUE(l6.local_addr().is_ipv6());
    auto server6 = edo::spawn(echo_once(l6));
    auto c6 = co_await tcp_stream::connect(l6.local_addr());
    co_await c6.write_all("v6");
    std::array<char, 2> g6{};
    co_await c6.read_exact(g6);
    EXPECT_EQ(std::string(g6.data(), 2), "v6");
    co_await c6.shutdown();
    co_await server6;
  }());
}

TEST_P(Tcp, LookupHost) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto lit = co_await edo::net::lookup_host("127.0.0.1:80");
    EXPECT_EQ(lit.size(), 1u);
    EXPECT_EQ(lit[0].to_string(), "127.0.0.1:80");
    auto named = co_await edo::net::lookup_host("localhost", 8080);
    EXPECT_FALSE(named.empty());
    for (const auto& a : named) {
      EXPECT_TRUE(a.is_loopback());
      EXPECT_EQ(a.port(), 8080);
    }
    bool threw = false;
    try {
      co_await edo::net::lookup_host("no-such-host.invalid:1");
    } catch (const std::system_error&) {
      threw = true;
    }
    EXPECT_TRUE(threw);
  }());
}

TEST_P(Tcp, ReadinessAndTryCalls) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    std::array<std::byte, 16> buf;
    co_await a.writable();
    EXPECT_EQ(a.try_write(bytes("ping")), 4u);
    std::optional<std::size_t> n;
    while (!(n = b.try_read(buf))) co_await b.readable();
    EXPECT_EQ(str(std::span(buf).first(*n)), "ping");
    EXPECT_FALSE(b.try_read(buf).has_value());  // drained: would block
  }());
}

TEST_P(Tcp, ReadAheadKeepsPipelinedBytesInOrder) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    // Three 10-byte messages in one write: the first read_exact reads ahead past its buffer;
    // the next reads get those bytes first, in order.
    co_await a.write_all("message-0|message-1|message-2|");
    std::array<char, 10> m{};
    for (int i = 0; i < 3; ++i) {
      co_await b.read_exact(m);
      EXPECT_EQ(std::string(m.data(), m.size()), "message-" + std::to_string(i) + "|");
    }
    EXPECT_EQ(b.source().buffered(), 0u);
    // Bytes held ahead count as readable, and try_read hands them out without the socket.
    co_await a.write_all("xyz");
    std::array<char, 1> one{};
    co_await b.read_exact(one);
    EXPECT_EQ(one[0], 'x');
    EXPECT_EQ(b.source().buffered(), 2u);
    co_await b.readable();
    std::array<char, 8> rest{};
    EXPECT_EQ(b.try_read(rest), 2u);
    EXPECT_EQ(std::string(rest.data(), 2), "yz");
    EXPECT_FALSE(b.try_read(rest).has_value());
    // A large transfer through small exact reads still arrives whole.
    std::string big(100000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
    auto w = edo::spawn(
        [](tcp_stream& s, const std::string& d) -> edo::task<> { co_await s.write_all(d); },
        std::ref(a), std::cref(big));
    std::string got;
    std::array<char, 7> piece{};
    while (got.size() + piece.size() <= big.size()) {
      co_await b.read_exact(piece);
      got.append(piece.data(), piece.size());
    }
    std::array<char, 100000 % 7> tail{};
    co_await b.read_exact(tail);
    got.append(tail.data(), tail.size());
    EXPECT_EQ(got, big);
    co_await w;
  }());
}

// ---- cancellation ----

TEST_P(Tcp, CancelledReadLosesNoBytes) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    std::array<std::byte, 64> buf;
    // Nothing to read yet: the read suspends and yield_now wins; the read is torn down.
    auto r = co_await edo::select(b.read(buf), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    co_await a.write_all("0123456789");
    // The same again with data arriving while a read is pending in a select.
    auto r2 = co_await edo::select(b.read(buf), edo::time::sleep(10s));
    CO_ASSERT_TRUE(r2.index() == 0u);
    std::string got = str(std::span(buf).first(std::get<0>(r2)));
    while (got.size() < 10) {
      const std::size_t n = co_await b.read(buf);
      got += str(std::span(buf).first(n));
    }
    EXPECT_EQ(got, "0123456789");
    // The socket stays usable in both directions.
    co_await b.write_all("ok");
    std::array<char, 2> ok{};
    co_await a.read_exact(ok);
    EXPECT_EQ(std::string(ok.data(), 2), "ok");
  }());
}

TEST_P(Tcp, CancelledWriteWritesNothingAndTheSocketStaysUsable) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    // Fill the send path until a write would block.
    std::vector<std::byte> chunk(65536, std::byte{7});
    std::size_t written = 0;
    while (auto n = a.try_write(chunk)) written += *n;
    auto r = co_await edo::select(a.write(chunk), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    // Read everything written so far, then write a marker: exactly `written` bytes of 7s
    // come before it.
    auto reader = edo::spawn(
        [](tcp_stream& s, std::size_t expect) -> edo::task<bool> {
          std::vector<std::byte> got;
          co_await edo::io::read_to_end(s, got);
          if (got.size() != expect + 3) co_return false;
          for (std::size_t i = 0; i < expect; ++i) {
            if (got[i] != std::byte{7}) co_return false;
          }
          co_return str(std::span(got).subspan(expect)) == "end";
        },
        std::ref(b), written);
    co_await a.write_all("end");
    co_await a.shutdown();
    EXPECT_TRUE(co_await reader);
  }());
}

TEST_P(Tcp, CancelledAcceptLosesNoConnection) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await tcp_listener::bind("127.0.0.1:0");
    auto r = co_await edo::select(l.accept(), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    auto c = co_await tcp_stream::connect(l.local_addr());
    auto [s, peer] = co_await l.accept();
    EXPECT_EQ(peer, c.local_addr());
    co_await c.write_all("hi");
    std::array<char, 2> got{};
    co_await s.read_exact(got);
    EXPECT_EQ(std::string(got.data(), 2), "hi");
  }());
}

TEST_P(Tcp, CancelledConnectClosesItsSocket) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    // A listener whose accept queue is full: further SYNs are dropped, so a connect stays
    // in progress until cancelled.
    auto l = co_await tcp_listener::bind(socket_address::loopback_v4(0), 0);
    std::vector<tcp_stream> queued;
    bool pending_seen = false;
    for (int i = 0; i < 8 && !pending_seen; ++i) {
      auto r = co_await edo::select(tcp_stream::connect(l.local_addr()), edo::yield_now());
      if (r.index() == 0) {
        queued.push_back(std::move(std::get<0>(r)));
      } else {
        pending_seen = true;
      }
    }
    EXPECT_TRUE(pending_seen);
    // The listener still works: accept what was queued.
    auto [s, peer] = co_await l.accept();
    EXPECT_TRUE(peer.is_loopback());
  }());
}

TEST_P(Tcp, AbortedTaskBlockedInReadIsTornDown) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    auto h = edo::spawn(
        [](tcp_stream& s) -> edo::task<> {
          std::array<std::byte, 8> buf;
          co_await s.read(buf);
          ADD_FAILURE() << "the read should have been cancelled";
        },
        std::ref(b));
    co_await edo::yield_now();
    h.abort();
    bool cancelled = false;
    try {
      co_await h;
    } catch (const edo::join_error& e) {
      cancelled = e.is_cancelled();
    }
    EXPECT_TRUE(cancelled);
    co_await a.write_all("still there");
    std::array<char, 11> got{};
    co_await b.read_exact(got);
    EXPECT_EQ(std::string(got.data(), 11), "still there");
  }());
}

// ---- signals interrupting the parked driver (EINTR) ----

std::atomic<int> usr2_count{0};
extern "C" void on_usr2(int) {
  usr2_count.fetch_add(1, std::memory_order_relaxed);
}

TEST_P(Tcp, SignalsInterruptingTheDriverAreRetried) {
  struct sigaction sa {};
  sa.sa_handler = &on_usr2;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: epoll_wait returns EINTR
  struct sigaction old {};
  ASSERT_EQ(::sigaction(SIGUSR2, &sa, &old), 0);
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = co_await connected_pair();
    // Another thread interrupts every thread of the process while b's read waits, then
    // sends the data through a.
    std::atomic<bool> started{false};
    std::thread pest([&started] {
      while (!started.load()) std::this_thread::yield();
      for (int i = 0; i < 200; ++i) {
        ::kill(::getpid(), SIGUSR2);
        std::this_thread::yield();
      }
    });
    auto reader = edo::spawn(
        [](tcp_stream& s, std::atomic<bool>& go) -> edo::task<std::string> {
          go.store(true);
          std::array<char, 5> buf{};
          co_await s.read_exact(buf);
          co_return std::string(buf.data(), 5);
        },
        std::ref(b), std::ref(started));
    while (!started.load()) co_await edo::yield_now();
    co_await edo::spawn_blocking([&pest] { pest.join(); });
    co_await a.write_all("after");
    EXPECT_EQ(co_await reader, "after");
  }());
  ::sigaction(SIGUSR2, &old, nullptr);
  EXPECT_GT(usr2_count.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Flavors, Tcp, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
