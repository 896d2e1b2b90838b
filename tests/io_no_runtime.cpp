// I/O without a runtime that provides it: edo::no_runtime with a message saying what to do
// (the twin of Tokio's "there is no reactor running"), for every kind of resource; and a
// resource that outlives its runtime (its waits fail; destroying it is safe).
#include <edo/edo.hpp>
#include <edo/net/tcp.hpp>
#include <edo/net/udp.hpp>
#include <edo/net/unix.hpp>
#include <edo/process.hpp>
#include <edo/signal.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/io_test.hpp"

namespace {

using edo::net::tcp_listener;

template <class F>
std::string no_runtime_message(F f) {
  try {
    f();
  } catch (const edo::no_runtime& e) {
    return e.what();
  }
  return "(no edo::no_runtime thrown)";
}

class IoNoRuntime : public testing::Test {
 protected:
  void TearDown() override { fds_.verify(); }
  edo_test::fd_leak_check fds_;
};

TEST_F(IoNoRuntime, UnderBlockOn) {
  const std::string m = no_runtime_message([] {
    edo::block_on([]() -> edo::task<> { (void)co_await tcp_listener::bind("127.0.0.1:0"); }());
  });
  EXPECT_NE(m.find("edo::net::tcp_listener::bind"), std::string::npos) << m;
  EXPECT_NE(m.find("no reactor running"), std::string::npos) << m;
  EXPECT_NE(m.find("enable_io"), std::string::npos) << m;

  const std::string c = no_runtime_message([] {
    edo::block_on([]() -> edo::task<> {
      (void)co_await edo::net::tcp_stream::connect(edo::net::socket_address::loopback_v4(9));
    }());
  });
  EXPECT_NE(c.find("edo::net::tcp_stream::connect"), std::string::npos) << c;
}

TEST_F(IoNoRuntime, OnAPlainThread) {
  EXPECT_NE(
      no_runtime_message([] { (void)edo::net::unix_stream::pair(); }).find("unix_stream::pair"),
      std::string::npos);
  EXPECT_NE(no_runtime_message([] {
              (void)edo::signal::signal(edo::signal::signal_kind::user_defined1());
            }).find("edo::signal::signal"),
            std::string::npos);
  EXPECT_NE(no_runtime_message([] { (void)edo::process::command("true").spawn(); }).find("spawn"),
            std::string::npos);
  EXPECT_NE(no_runtime_message([] {
              edo::block_on([]() -> edo::task<> {
                (void)co_await edo::net::udp_socket::bind("127.0.0.1:0");
              }());
            }).find("udp_socket::bind"),
            std::string::npos);
}

TEST_F(IoNoRuntime, RuntimeWithoutIo) {
  auto rt = edo::runtime::builder::current_thread().enable_time().build();
  std::string m;
  rt.block_on([](std::string& out) -> edo::task<> {
    try {
      (void)co_await tcp_listener::bind("127.0.0.1:0");
    } catch (const edo::no_runtime& e) {
      out = e.what();
    }
  }(m));
  EXPECT_NE(m.find("built without the I/O driver"), std::string::npos) << m;
}

TEST_F(IoNoRuntime, ResourceOutlivesItsRuntime) {
  std::optional<tcp_listener> kept;
  {
    auto rt = edo::runtime::builder::multi_thread().worker_threads(2).enable_all().build();
    kept = rt.block_on([]() -> edo::task<tcp_listener> {
      co_return co_await tcp_listener::bind("127.0.0.1:0");
    }());
  }
  // Its driver is gone with the runtime: a wait fails instead of hanging...
  auto rt2 = edo::runtime::builder::current_thread().enable_all().build();
  std::error_code ec;
  rt2.block_on([](tcp_listener& l, std::error_code& out) -> edo::task<> {
    try {
      (void)co_await l.accept();
    } catch (const std::system_error& e) {
      out = e.code();
    }
  }(*kept, ec));
  EXPECT_EQ(ec, std::errc::operation_canceled);
  // ...and destroying it is safe (the driver lived on for it).
  kept.reset();
}

}  // namespace
