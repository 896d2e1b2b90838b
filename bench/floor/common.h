#pragma once
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static constexpr int NCONN = 50;
static constexpr int MSG = 64;

#define CHECK(x)                                         \
  do {                                                   \
    if (!(x)) {                                          \
      perror(#x);                                        \
      fprintf(stderr, "at %s:%d\n", __FILE__, __LINE__); \
      exit(1);                                           \
    }                                                    \
  } while (0)

static inline long long now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
static inline void set_nodelay(int fd) {
  int one = 1;
  CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
}
static inline void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  CHECK(fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
}
// A client read `n` more bytes of its echo (read_exact of MSG bytes). True when the whole
// message is back and the next round trip should start; counts the clients that are done.
static inline bool client_received(int& got, int& rt, int n, int rts, int& done_clients) {
  got += n;
  CHECK(got <= MSG);
  if (got < MSG) return false;
  got = 0;
  if (++rt < rts) return true;
  ++done_clients;
  return false;
}
// Creates listener on 127.0.0.1:0, connects n clients (blocking), accepts n.
// cli[i] and srv[i] are the two ends (accept order == connect order on loopback backlog).
static inline void make_pairs(int n, std::vector<int>& cli, std::vector<int>& srv) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(l >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  CHECK(bind(l, (sockaddr*)&a, sizeof a) == 0);
  CHECK(listen(l, 1024) == 0);
  socklen_t al = sizeof a;
  CHECK(getsockname(l, (sockaddr*)&a, &al) == 0);
  for (int i = 0; i < n; i++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK(connect(c, (sockaddr*)&a, sizeof a) == 0);
    set_nodelay(c);
    cli.push_back(c);
  }
  for (int i = 0; i < n; i++) {
    int s = accept(l, nullptr, nullptr);
    CHECK(s >= 0);
    set_nodelay(s);
    srv.push_back(s);
  }
  close(l);
}
