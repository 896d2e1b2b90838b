// Unix-domain streams: listener and connect on a path, pair(), addresses, split halves,
// EOF, cancellation of accept. Both runtime flavors; no descriptor may leak.
#include <edo/edo.hpp>
#include <edo/io/util.hpp>
#include <edo/net/unix.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>

#include "support/io_test.hpp"

namespace {

using edo::net::unix_listener;
using edo::net::unix_stream;

class Unix : public edo_test::io_flavor_test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/edo-unix-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::unlink((dir_ + "/s").c_str());
    ::rmdir(dir_.c_str());
    io_flavor_test::TearDown();
  }
  std::string path() const { return dir_ + "/s"; }

 private:
  std::string dir_;
};

TEST_P(Unix, ListenAcceptConnectEcho) {
  auto rt = make_runtime();
  rt.block_on([](std::string p) -> edo::task<> {
    auto l = unix_listener::bind(p);
    EXPECT_EQ(l.local_addr(), p);
    auto server = edo::spawn(
        [](unix_listener& ll) -> edo::task<> {
          auto [s, peer] = co_await ll.accept();
          EXPECT_EQ(peer, "");  // the client did not bind
          std::array<std::byte, 256> buf;
          while (std::size_t n = co_await s.read(buf)) {
            co_await s.write_all(std::span<const std::byte>(buf.data(), n));
          }
        },
        std::ref(l));
    auto c = co_await unix_stream::connect(p);
    EXPECT_EQ(c.peer_addr(), p);
    co_await c.write_all("over a unix socket");
    std::string got(18, '\0');
    co_await c.read_exact(std::span<char>(got));
    EXPECT_EQ(got, "over a unix socket");
    co_await c.shutdown();
    co_await server;
  }(path()));
}

TEST_P(Unix, PairAndOwnedHalves) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto [a, b] = unix_stream::pair();
    auto [rd, wr] = std::move(a).into_split();
    auto echo = edo::spawn(
        [](unix_stream s) -> edo::task<> {
          std::array<std::byte, 64> buf;
          while (std::size_t n = co_await s.read(buf)) {
            co_await s.write_all(std::span<const std::byte>(buf.data(), n));
          }
        },
        std::move(b));
    auto reader = edo::spawn(
        [](edo::net::owned_read_half r) -> edo::task<std::string> {
          std::string all;
          co_await edo::io::read_to_string(r, all);
          co_return all;
        },
        std::move(rd));
    for (int i = 0; i < 10; ++i) co_await wr.write_all("abc");
    { auto done = std::move(wr); }  // shuts the write direction: echo sees EOF, closes
    EXPECT_EQ(co_await reader, "abcabcabcabcabcabcabcabcabcabc");
    co_await echo;
  }());
}

TEST_P(Unix, CancelledAcceptAndMissingPath) {
  auto rt = make_runtime();
  rt.block_on([](std::string p) -> edo::task<> {
    auto l = unix_listener::bind(p);
    auto r = co_await edo::select(l.accept(), edo::yield_now());
    EXPECT_EQ(r.index(), 1u);
    auto c = co_await unix_stream::connect(p);
    auto [s, peer] = co_await l.accept();
    co_await c.write_all("!");
    std::array<char, 1> one{};
    co_await s.read_exact(one);
    EXPECT_EQ(one[0], '!');
    std::error_code ec;
    try {
      co_await unix_stream::connect(p + ".missing");
    } catch (const std::system_error& e) {
      ec = e.code();
    }
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
    EXPECT_THROW(unix_listener::bind(p), std::system_error);  // EADDRINUSE
  }(path()));
}

INSTANTIATE_TEST_SUITE_P(Flavors, Unix, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
