// edo::io: duplex pipes (also under edo::block_on, no runtime), the generic helpers
// (read_exact, read_to_end, read_to_string, write_all, copy, copy_bidirectional),
// buf_reader (read_line, read_until, lines, cancel safety) and buf_writer.
#include <edo/edo.hpp>
#include <edo/io/buf_reader.hpp>
#include <edo/io/buf_writer.hpp>
#include <edo/io/concepts.hpp>
#include <edo/io/duplex.hpp>
#include <edo/io/util.hpp>
#include <edo/net/tcp.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "support/io_test.hpp"

namespace {

using namespace std::chrono_literals;
using edo::io::duplex;
using edo::io::duplex_stream;
using edo_test::bytes;
using edo_test::str;

static_assert(edo::io::async_read<duplex_stream> && edo::io::async_write<duplex_stream>);
static_assert(edo::io::async_read<edo::net::tcp_stream> &&
              edo::io::async_write<edo::net::tcp_stream>);
static_assert(edo::io::async_read<edo::net::read_half> &&
              !edo::io::async_write<edo::net::read_half>);
static_assert(edo::io::async_write<edo::net::owned_write_half>);
static_assert(edo::io::async_read<edo::io::buf_reader<duplex_stream>>);
static_assert(edo::io::async_write<edo::io::buf_reader<duplex_stream>>);
static_assert(edo::io::async_write<edo::io::buf_writer<duplex_stream&>>);

TEST(Duplex, WorksUnderBlockOnWithoutARuntime) {
  edo::block_on([]() -> edo::task<> {
    auto [a, b] = duplex(64);
    co_await edo::io::write_all(a, "ping");
    std::array<char, 4> got{};
    co_await edo::io::read_exact(b, got);
    EXPECT_EQ(std::string(got.data(), 4), "ping");
  }());
}

class Io : public edo_test::io_flavor_test {};

TEST_P(Io, DuplexBackpressureAndEof) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = duplex(7);  // tiny: the writer must wait for the reader many times
    std::string data;
    for (int i = 0; i < 1000; ++i) data += std::to_string(i) + ",";
    auto writer = edo::spawn(
        [](duplex_stream w, std::string d) -> edo::task<> {
          co_await edo::io::write_all(w, d);
          // w is destroyed here: the reader sees EOF after the buffered bytes.
        },
        std::move(a), data);
    std::string got;
    co_await edo::io::read_to_string(b, got);
    co_await writer;
    EXPECT_EQ(got, data);
  }());
}

TEST_P(Io, DuplexWriteAfterPeerGoneIsBrokenPipe) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = duplex(16);
    { auto gone = std::move(b); }
    std::error_code ec;
    try {
      co_await a.write(bytes("x"));
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, std::errc::broken_pipe);
    std::array<std::byte, 4> buf;
    EXPECT_EQ(co_await a.read(buf), 0u);  // and reads see EOF
  }());
}

TEST_P(Io, DuplexCancelledReadAndWriteLoseNothing) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = duplex(4);
    std::array<std::byte, 8> buf;
    auto r = co_await edo::select(b.read(buf), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    EXPECT_EQ(co_await a.write(bytes("abcd")), 4u);  // full now
    auto w = co_await edo::select(a.write(bytes("efgh")), edo::yield_now());
    EXPECT_EQ(w.index(), 1u);  // could not write: nothing went in
    co_await a.shutdown();
    std::string all;
    co_await edo::io::read_to_string(b, all);
    EXPECT_EQ(all, "abcd");
  }());
}

TEST_P(Io, HelpersOverDuplex) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = duplex(1024);
    co_await edo::io::write_all(a, "0123456789");
    std::array<std::byte, 4> four;
    EXPECT_EQ(co_await edo::io::read_exact(b, four), 4u);
    EXPECT_EQ(str(four), "0123");
    co_await a.shutdown();
    std::vector<std::byte> rest;
    EXPECT_EQ(co_await edo::io::read_to_end(b, rest), 6u);
    EXPECT_EQ(str(rest), "456789");
    std::array<std::byte, 1> more;
    std::error_code ec;
    try {
      co_await edo::io::read_exact(b, more);
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, edo::io::errc::unexpected_eof);
    EXPECT_EQ(std::string(ec.category().name()), "edo.io");
  }());
}

TEST_P(Io, CopyAndCopyBidirectional) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    // copy: src → dst until EOF.
    auto [src_w, src_r] = duplex(100);
    auto [dst_w, dst_r] = duplex(100);
    std::string payload(5000, 'p');
    auto producer = edo::spawn(
        [](duplex_stream w, std::string p) -> edo::task<> { co_await edo::io::write_all(w, p); },
        std::move(src_w), payload);
    auto consumer = edo::spawn(
        [](duplex_stream r) -> edo::task<std::string> {
          std::string s;
          co_await edo::io::read_to_string(r, s);
          co_return s;
        },
        std::move(dst_r));
    EXPECT_EQ(co_await edo::io::copy(src_r, dst_w), payload.size());
    co_await dst_w.shutdown();
    EXPECT_EQ(co_await consumer, payload);
    co_await producer;

    // copy_bidirectional: a proxy between two pipes, each side talking and then closing.
    auto [client, proxy_a] = duplex(64);
    auto [proxy_b, server] = duplex(64);
    auto proxy = edo::spawn(
        [](duplex_stream x, duplex_stream y) -> edo::task<std::pair<std::uint64_t, std::uint64_t>> {
          co_return co_await edo::io::copy_bidirectional(x, y);
        },
        std::move(proxy_a), std::move(proxy_b));
    auto srv = edo::spawn(
        [](duplex_stream s) -> edo::task<> {
          std::string req;
          co_await edo::io::read_to_string(s, req);  // until the client shuts down
          co_await edo::io::write_all(s, "response to " + req);
          co_await s.shutdown();
        },
        std::move(server));
    co_await edo::io::write_all(client, "request");
    co_await client.shutdown();
    std::string resp;
    co_await edo::io::read_to_string(client, resp);
    EXPECT_EQ(resp, "response to request");
    auto [up, down] = co_await proxy;
    EXPECT_EQ(up, 7u);
    EXPECT_EQ(down, resp.size());
    co_await srv;
  }());
}

TEST_P(Io, BufReaderLinesAndUntil) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [w, r] = duplex(5);  // lines arrive in small pieces
    auto writer = edo::spawn(
        [](duplex_stream s) -> edo::task<> {
          co_await edo::io::write_all(
              s, "first line\nsecond\r\n\nfourth;fifth;sixth\nno newline at end");
        },
        std::move(w));
    edo::io::buf_reader in(std::move(r), 16);
    auto lines = in.lines();
    std::vector<std::string> got;
    for (int i = 0; i < 3; ++i) got.push_back(*co_await lines.next_line());
    EXPECT_EQ(got, (std::vector<std::string>{"first line", "second", ""}));
    std::vector<std::byte> field;
    EXPECT_EQ(co_await in.read_until(std::byte{';'}, field), 7u);
    EXPECT_EQ(str(field), "fourth;");
    std::string line;
    EXPECT_EQ(co_await in.read_line(line), 12u);
    EXPECT_EQ(line, "fifth;sixth\n");
    auto last = co_await lines.next_line();
    CO_ASSERT_TRUE(last.has_value());
    EXPECT_EQ(*last, "no newline at end");
    EXPECT_FALSE((co_await lines.next_line()).has_value());
    co_await writer;
  }());
}

TEST_P(Io, BufReaderNextLineIsCancelSafe) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [w, r] = duplex(64);
    edo::io::buf_reader in(std::move(r));
    auto lines = in.lines();
    co_await edo::io::write_all(w, "partial ");
    // The line is incomplete: next_line waits, and is cancelled with the bytes it read.
    auto sel = co_await edo::select(lines.next_line(), edo::yield_now());
    EXPECT_EQ(sel.index(), 1u);
    co_await edo::io::write_all(w, "line\n");
    auto line = co_await lines.next_line();
    CO_ASSERT_TRUE(line.has_value());
    EXPECT_EQ(*line, "partial line");
  }());
}

TEST_P(Io, BufReaderOverTcpAndBufWriterFlush) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await edo::net::tcp_listener::bind("127.0.0.1:0");
    auto server = edo::spawn(
        [](edo::net::tcp_listener& ll) -> edo::task<int> {
          auto [s, peer] = co_await ll.accept();
          edo::io::buf_reader in(std::move(s));
          int n = 0;
          std::string line;
          while (co_await in.read_line(line)) {
            co_await edo::io::write_all(in, "echo: " + line);  // buf_reader forwards writes
            line.clear();
            ++n;
          }
          co_return n;
        },
        std::ref(l));
    auto c = co_await edo::net::tcp_stream::connect(l.local_addr());
    edo::io::buf_writer out(c, 256);
    for (int i = 0; i < 100; ++i) {
      const std::string msg = "line " + std::to_string(i) + "\n";
      co_await edo::io::write_all(out, msg);
    }
    EXPECT_GT(out.buffer().size(), 0u);  // still buffered
    co_await out.shutdown();             // flushes, then shuts the write side
    edo::io::buf_reader replies(c);
    int count = 0;
    auto lines = replies.lines();
    while (auto line = co_await lines.next_line()) {
      EXPECT_EQ(*line, "echo: line " + std::to_string(count));
      ++count;
    }
    EXPECT_EQ(count, 100);
    EXPECT_EQ(co_await server, 100);
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, Io, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
