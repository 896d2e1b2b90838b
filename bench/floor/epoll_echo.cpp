// Edge-triggered epoll tcp_echo: 50 conns x 2000 RTs x 64B, server and clients in one loop.
// `-t MODE` runs two threads, each with its own epoll and loop, the connections' ends placed
// by MODE: `pairs` (both ends of pair i on thread i % 2), `split` (clients on one thread,
// servers on the other), `mixed` (half the pairs as `pairs`, half as `split`), `accept` (the
// clients alternate, every server end on thread 0, as if one thread accepted them all).
#include <sys/epoll.h>
#include <atomic>
#include <cerrno>
#include <thread>
#include "common.h"

struct Conn {
  int fd;
  bool server;
  int rt = 0;   // client: completed round trips
  int got = 0;  // client: bytes of current reply received
  char pend[8192];
  int plen = 0;  // server: bytes waiting to be echoed (only on short write)
  bool want_out = false;
};

static thread_local long long n_read, n_write, n_wait, n_evt;
static thread_local int epfd, done_clients = 0;
static int rts = 2000;
static std::atomic<int> loops_done{0};
static int loops = 1;
static char msg[MSG];

static void arm_out(Conn* c, bool on) {
  if (c->want_out == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET | (on ? EPOLLOUT : 0);
  ev.data.ptr = c;
  CHECK(epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0);
  c->want_out = on;
}

// write as much of buf as possible; returns bytes written
static int do_write(int fd, const char* b, int n) {
  int off = 0;
  while (off < n) {
    ssize_t w = write(fd, b + off, n - off);
    n_write++;
    if (w > 0) {
      off += w;
      continue;
    }
    if (w < 0 && errno == EAGAIN) break;
    CHECK(w > 0);
  }
  return off;
}

static void flush_server(Conn* c) {
  int w = do_write(c->fd, c->pend, c->plen);
  memmove(c->pend, c->pend + w, c->plen - w);
  c->plen -= w;
  arm_out(c, c->plen > 0);
}

static void client_send(Conn* c) {
  int w = do_write(c->fd, msg, MSG);
  CHECK(w == MSG);  // 64B into an empty loopback socket never goes short in ping-pong
}

static void on_event(Conn* c, uint32_t ev) {
  if (c->server) {
    if (ev & EPOLLIN) {
      for (;;) {
        if (c->plen == (int)sizeof c->pend) break;  // backpressure (never happens in ping-pong)
        int want = sizeof c->pend - c->plen;
        ssize_t r = read(c->fd, c->pend + c->plen, want);
        n_read++;
        if (r > 0) {
          c->plen += r;
          if (r < want) break;
          continue;
        }  // short read => drained
        if (r == 0) {
          c->plen = 0;
          return;
        }  // peer closed
        if (errno == EAGAIN) break;
        CHECK(r >= 0);
      }
      if (c->plen) flush_server(c);
    } else if ((ev & EPOLLOUT) && c->plen)
      flush_server(c);
  } else {
    if (!(ev & EPOLLIN)) return;
    char buf[4096];
    for (;;) {
      ssize_t r = read(c->fd, buf, sizeof buf);
      n_read++;
      if (r > 0) {
        if (client_received(c->got, c->rt, static_cast<int>(r), rts, done_clients)) client_send(c);
        if (r < (ssize_t)sizeof buf) break;  // drained
        continue;
      }
      if (r < 0 && errno == EAGAIN) break;
      CHECK(r > 0);
    }
  }
}

// One thread's loop over `conns` (`nclients` of them clients). It runs until every loop's
// clients are done: a server end may belong to another loop's client.
static void run_loop(const std::vector<Conn*>& conns, int nclients) {
  epfd = epoll_create1(0);
  CHECK(epfd >= 0);
  for (Conn* c : conns) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = c;
    CHECK(epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == 0);
  }
  for (Conn* c : conns)
    if (!c->server) client_send(c);
  epoll_event evs[256];
  bool counted = false;
  while (loops_done.load() < loops) {
    if (!counted && done_clients == nclients) {
      counted = true;
      loops_done.fetch_add(1);
      continue;
    }
    // One loop: block. Several: a short timeout, to see the others finish.
    int n = epoll_wait(epfd, evs, 256, loops == 1 ? -1 : 1);
    n_wait++;
    if (n < 0 && errno == EINTR) continue;
    CHECK(n >= 0);
    n_evt += n;
    for (int i = 0; i < n; i++) on_event((Conn*)evs[i].data.ptr, evs[i].events);
  }
}

// The thread (0 or 1) that owns pair i's client or server end in two-thread `mode`.
static int place(const char* mode, int i, bool server) {
  if (strcmp(mode, "pairs") == 0) return i % 2;
  if (strcmp(mode, "split") == 0) return server ? 1 : 0;
  if (strcmp(mode, "mixed") == 0) return i < NCONN / 2 ? i % 2 : (server ? 1 : 0);
  if (strcmp(mode, "accept") == 0) return server ? 0 : i % 2;
  fprintf(stderr, "unknown mode %s (pairs, split, mixed, accept)\n", mode);
  exit(2);
}

int main(int argc, char** argv) {
  const char* mode = nullptr;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
      mode = argv[++i];
    } else {
      rts = atoi(argv[i]);
    }
  }
  memset(msg, 'x', MSG);
  std::vector<int> cli, srv;
  make_pairs(NCONN, cli, srv);
  std::vector<Conn*> part[2];
  int nclients[2] = {0, 0};
  for (int i = 0; i < NCONN; i++)
    for (int fd : {cli[i], srv[i]}) {
      set_nonblock(fd);
      Conn* c = new Conn();
      c->fd = fd;
      c->server = (fd == srv[i]);
      const int t = mode == nullptr ? 0 : place(mode, i, c->server);
      if (!c->server) nclients[t]++;
      part[t].push_back(c);
    }
  const double total = (double)NCONN * rts;
  if (mode != nullptr) {
    loops = 2;
    long long t0 = now_ns();
    std::thread other(run_loop, std::cref(part[1]), nclients[1]);
    run_loop(part[0], nclients[0]);
    other.join();
    long long t1 = now_ns();
    printf("epoll -t %s ns_per_rt=%.1f\n", mode, (t1 - t0) / total);
    return 0;
  }
  long long t0 = now_ns();
  run_loop(part[0], nclients[0]);
  long long t1 = now_ns();
  printf(
      "epoll ns_per_rt=%.1f  per_rt: read=%.3f write=%.3f epoll_wait=%.3f events=%.3f  "
      "evs/wait=%.1f\n",
      (t1 - t0) / total, n_read / total, n_write / total, n_wait / total, n_evt / total,
      (double)n_evt / n_wait);
  return 0;
}
