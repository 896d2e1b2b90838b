// Single-threaded io_uring tcp_echo: 50 conns x 2000 RTs x 64B, server+clients in one ring.
// Options: -m multishot recv + provided buffer ring; -f registered (fixed) files;
//          -P IORING_RECVSEND_POLL_FIRST on single-shot recv
//          -p plain setup flags (no SINGLE_ISSUER/DEFER_TASKRUN/COOP_TASKRUN); -n N round trips
#include <liburing.h>
#include <sys/mman.h>
#include <cerrno>
#include "common.h"

enum Op { RECV = 0, SEND = 1 };
static inline uint64_t ud(int idx, Op op) {
  return ((uint64_t)idx << 1) | op;
}

struct Conn {
  int fd, idx;
  bool server;
  int rt = 0, got = 0;
  char rbuf[4096];  // single-shot recv buffer
  char sbuf[8192];
  int slen = 0;  // bytes pending to send (server echo / client msg)
  int soff = 0;
  bool send_inflight = false, recv_armed = false;
};

static io_uring ring;
static bool multishot = false, fixed = false, pollfirst = false;
static int rts = 2000, done_clients = 0;
static long long n_enter, n_cqe, n_sqe;
static std::vector<Conn*> conns;
static char msg[MSG];

// provided buffer ring
static constexpr int BR_ENTRIES = 1024, BR_SZ = 2048, BGID = 1;
static io_uring_buf_ring* br;
static char* br_mem;

static io_uring_sqe* get_sqe() {
  io_uring_sqe* s = io_uring_get_sqe(&ring);
  if (!s) {
    io_uring_submit(&ring);
    n_enter++;
    s = io_uring_get_sqe(&ring);
    CHECK(s);
  }
  n_sqe++;
  return s;
}
static void set_fd(io_uring_sqe* s, Conn* c) {
  if (fixed) {
    s->fd = c->idx;
    s->flags |= IOSQE_FIXED_FILE;
  }
}
static void arm_recv(Conn* c) {
  io_uring_sqe* s = get_sqe();
  if (multishot) {
    io_uring_prep_recv_multishot(s, c->fd, nullptr, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = BGID;
  } else {
    // client: read_exact — ask only for what's missing; server: big buffer
    int want = c->server ? (int)sizeof c->rbuf : MSG - c->got;
    io_uring_prep_recv(s, c->fd, c->rbuf, want, 0);
    if (pollfirst) s->ioprio |= IORING_RECVSEND_POLL_FIRST;
  }
  set_fd(s, c);
  io_uring_sqe_set_data64(s, ud(c->idx, RECV));
  c->recv_armed = true;
}
static void arm_send(Conn* c) {
  if (c->send_inflight || c->soff == c->slen) return;
  io_uring_sqe* s = get_sqe();
  io_uring_prep_send(s, c->fd, c->sbuf + c->soff, c->slen - c->soff, 0);
  set_fd(s, c);
  io_uring_sqe_set_data64(s, ud(c->idx, SEND));
  c->send_inflight = true;
}
static void queue_bytes(Conn* c, const char* d, int n) {
  if (c->soff == c->slen) c->soff = c->slen = 0;
  if (!c->send_inflight && c->soff) {
    memmove(c->sbuf, c->sbuf + c->soff, c->slen - c->soff);
    c->slen -= c->soff;
    c->soff = 0;
  }
  CHECK(c->slen + n <= (int)sizeof c->sbuf);
  memcpy(c->sbuf + c->slen, d, n);
  c->slen += n;
  arm_send(c);
}
static void on_data(Conn* c, const char* d, int n) {
  if (c->server) {
    queue_bytes(c, d, n);
    return;
  }
  if (client_received(c->got, c->rt, n, rts, done_clients)) queue_bytes(c, msg, MSG);
}
static void on_cqe(io_uring_cqe* cqe) {
  uint64_t u = cqe->user_data;
  Conn* c = conns[u >> 1];
  int res = cqe->res;
  if ((u & 1) == SEND) {
    c->send_inflight = false;
    if (res < 0) {
      fprintf(stderr, "send: %s\n", strerror(-res));
      exit(1);
    }
    c->soff += res;  // short send => resubmit the rest
    arm_send(c);
    return;
  }
  // RECV
  if (multishot) {
    bool more = cqe->flags & IORING_CQE_F_MORE;
    if (res == -ENOBUFS) {
      if (!more) arm_recv(c);
      return;
    }
    if (res < 0) {
      fprintf(stderr, "recv: %s\n", strerror(-res));
      exit(1);
    }
    if (res == 0) {
      c->recv_armed = false;
      return;
    }  // EOF
    CHECK(cqe->flags & IORING_CQE_F_BUFFER);
    int bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
    on_data(c, br_mem + (size_t)bid * BR_SZ, res);
    io_uring_buf_ring_add(br, br_mem + (size_t)bid * BR_SZ, BR_SZ, bid,
                          io_uring_buf_ring_mask(BR_ENTRIES), 0);
    io_uring_buf_ring_advance(br, 1);
    if (!more) arm_recv(c);
  } else {
    c->recv_armed = false;
    if (res < 0) {
      fprintf(stderr, "recv: %s\n", strerror(-res));
      exit(1);
    }
    if (res == 0) return;  // EOF
    on_data(c, c->rbuf, res);
    if (c->server || c->rt < rts) arm_recv(c);
  }
}

int main(int argc, char** argv) {
  bool plain = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-m"))
      multishot = true;
    else if (!strcmp(argv[i], "-f"))
      fixed = true;
    else if (!strcmp(argv[i], "-p"))
      plain = true;
    else if (!strcmp(argv[i], "-P"))
      pollfirst = true;
    else if (!strcmp(argv[i], "-n"))
      rts = atoi(argv[++i]);
  }
  memset(msg, 'x', MSG);
  std::vector<int> cli, srv;
  make_pairs(NCONN, cli, srv);

  io_uring_params p{};
  p.cq_entries = 4096;
  p.flags = IORING_SETUP_CQSIZE;
  if (!plain)
    p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN;
  int r = io_uring_queue_init_params(512, &ring, &p);
  if (r < 0) {
    fprintf(stderr, "queue_init: %s\n", strerror(-r));
    return 1;
  }

  std::vector<int> fds;
  for (int i = 0; i < NCONN; i++) {
    for (int fd : {cli[i], srv[i]}) {
      Conn* c = new Conn();
      c->fd = fd;
      c->server = (fd == srv[i]);
      c->idx = conns.size();
      conns.push_back(c);
      fds.push_back(fd);
    }
  }
  if (fixed) {
    r = io_uring_register_files(&ring, fds.data(), fds.size());
    CHECK(r == 0);
  }
  if (multishot) {
    size_t rsz = BR_ENTRIES * sizeof(io_uring_buf);
    br = (io_uring_buf_ring*)mmap(nullptr, rsz, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
                                  -1, 0);
    CHECK(br != MAP_FAILED);
    io_uring_buf_reg reg{};
    reg.ring_addr = (uint64_t)br;
    reg.ring_entries = BR_ENTRIES;
    reg.bgid = BGID;
    r = io_uring_register_buf_ring(&ring, &reg, 0);
    if (r) {
      fprintf(stderr, "register_buf_ring: %s\n", strerror(-r));
      return 1;
    }
    io_uring_buf_ring_init(br);
    br_mem = (char*)aligned_alloc(4096, (size_t)BR_ENTRIES * BR_SZ);
    for (int i = 0; i < BR_ENTRIES; i++)
      io_uring_buf_ring_add(br, br_mem + (size_t)i * BR_SZ, BR_SZ, i,
                            io_uring_buf_ring_mask(BR_ENTRIES), i);
    io_uring_buf_ring_advance(br, BR_ENTRIES);
  }

  long long t0 = now_ns();
  for (Conn* c : conns) {
    arm_recv(c);
    if (!c->server) queue_bytes(c, msg, MSG);
  }
  while (done_clients < NCONN) {
    r = io_uring_submit_and_wait(&ring, 1);
    n_enter++;
    if (r < 0 && r != -EINTR && r != -EBUSY) {
      fprintf(stderr, "submit_and_wait: %s\n", strerror(-r));
      return 1;
    }
    io_uring_cqe* cqe;
    unsigned head, cnt = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      on_cqe(cqe);
      cnt++;
    }
    io_uring_cq_advance(&ring, cnt);
    n_cqe += cnt;
  }
  long long t1 = now_ns();
  double total = (double)NCONN * rts;
  printf(
      "uring%s%s%s%s ns_per_rt=%.1f  per_rt: io_uring_enter=%.3f sqe=%.3f cqe=%.3f  "
      "cqe/enter=%.1f\n",
      plain ? "-plain" : "-defer", multishot ? "-mshot" : "", fixed ? "-fixed" : "",
      pollfirst ? "-pollfirst" : "", (t1 - t0) / total, n_enter / total, n_sqe / total,
      n_cqe / total, (double)n_cqe / n_enter);
  return 0;
}
