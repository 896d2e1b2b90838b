// accept() when the process is out of file descriptors: it backs off on a timer instead of
// spinning (the CPU time used while it waits stays far below the time waited), other tasks
// keep running, and the same accept completes once descriptors are available again.
#include <edo/edo.hpp>
#include <edo/net/tcp.hpp>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>

#include "support/io_test.hpp"

namespace {

using namespace std::chrono_literals;
using edo::net::tcp_listener;
using edo::net::tcp_stream;

class TcpEmfile : public edo_test::io_flavor_test {};

std::chrono::microseconds cpu_time() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return std::chrono::seconds(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         std::chrono::microseconds(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

// The lowest free descriptor number: with the soft limit set to it, no new fd can open.
int lowest_free_fd() {
  const int probe = ::dup(0);
  ::close(probe);
  return probe;
}

TEST_P(TcpEmfile, AcceptBacksOffWithoutSpinningAndRecovers) {
  auto rt = make_runtime();
  rt.block_on([]() -> edo::task<> {
    auto l = co_await tcp_listener::bind("127.0.0.1:0");
    auto c = co_await tcp_stream::connect(l.local_addr());  // queued in the backlog

    // UBSan's vptr check needs a descriptor (a pipe) the first time it meets a type: meet
    // the types used below before descriptors run out.
    co_await edo::time::sleep(1ms);
    auto warm = edo::spawn([]() -> edo::task<int> { co_return 0; }());
    co_await warm;

    rlimit old{};
    CO_ASSERT_TRUE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    rlimit low = old;
    low.rlim_cur = static_cast<rlim_t>(lowest_free_fd());
    CO_ASSERT_TRUE(::setrlimit(RLIMIT_NOFILE, &low) == 0);

    auto accepting = edo::spawn(
        [](tcp_listener& ll) -> edo::task<edo::net::socket_address> {
          auto [s, peer] = co_await ll.accept();
          co_return peer;
        },
        std::ref(l));
    // While it cannot accept, the runtime keeps running other work and the accept waits on
    // its back-off timer instead of retrying in a loop.
    const auto cpu0 = cpu_time();
    int ticks = 0;
    const auto until = edo::time::instant::now() + 200ms;
    while (edo::time::instant::now() < until) {
      co_await edo::time::sleep(10ms);
      ++ticks;
    }
    const auto cpu_used = cpu_time() - cpu0;
    EXPECT_FALSE(accepting.is_finished());
    EXPECT_GT(ticks, 0);
    // A spinning accept would burn ~200 ms of CPU here; backing off needs a few wake-ups.
    EXPECT_LT(cpu_used, 100ms) << "accept spun while out of descriptors";

    CO_ASSERT_TRUE(::setrlimit(RLIMIT_NOFILE, &old) == 0);
    const auto peer = co_await accepting;  // the same accept recovers by itself
    EXPECT_EQ(peer, c.local_addr());
  }());
}

INSTANTIATE_TEST_SUITE_P(Flavors, TcpEmfile, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
