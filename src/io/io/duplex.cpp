// edo::io::duplex (see <edo/io/duplex.hpp>): two byte rings, one per direction, each with a
// lock and lists of waiting readers and writers; the waits are edo leaves.
//
// Protocol per pipe: a reader waits until the ring has bytes or the writing end closed; a
// writer waits until the ring has room or the reading end closed. The condition is checked
// under the pipe's lock both in await_ready and before linking, and every change (bytes in,
// bytes out, a close) takes the waiters it satisfies under the lock and wakes them after
// releasing it. cancel() unlinks under the lock (false if the wake is already decided).
// Leaves complete without consuming anything, so a cancelled wait loses no data.
#include <edo/io/duplex.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <edo/leaf.hpp>

namespace edo::detail {

struct pipe_waiter;

struct pipe {
  std::mutex mu;
  std::vector<std::byte> ring;  // capacity = ring.size()
  std::size_t head = 0;         // first buffered byte
  std::size_t len = 0;          // buffered bytes
  bool write_closed = false;    // the writing end shut down or went away
  bool read_closed = false;     // the reading end went away
  pipe_waiter* readers = nullptr;
  pipe_waiter* writers = nullptr;

  bool readable() const noexcept { return len > 0 || write_closed; }
  bool writable() const noexcept { return len < ring.size() || read_closed; }
};

struct pipe_waiter final : edo::leaf {
  pipe_waiter(pipe& p, bool reader) noexcept : p_(&p), reader_(reader) {}
  pipe_waiter(const pipe_waiter& o) noexcept : leaf(), p_(o.p_), reader_(o.reader_) {}

  bool ready_locked() const noexcept { return reader_ ? p_->readable() : p_->writable(); }

  bool await_ready() {
    {
      std::lock_guard lock(p_->mu);
      if (!ready_locked()) return false;
    }
    if (consume_budget()) return true;
    ready_now_ = true;
    return false;
  }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    if (ready_now_) {
      complete_now();
      return;
    }
    std::unique_lock lock(p_->mu);
    if (ready_locked()) {
      lock.unlock();
      wake();
      return;
    }
    pipe_waiter*& head = reader_ ? p_->readers : p_->writers;
    prev_ = nullptr;
    next_ = head;
    if (head != nullptr) head->prev_ = this;
    head = this;
    linked_ = true;
  }
  void await_resume() noexcept { ready_now_ = false; }

  bool cancel() noexcept override {
    std::lock_guard lock(p_->mu);
    if (!linked_) return false;
    pipe_waiter*& head = reader_ ? p_->readers : p_->writers;
    if (prev_ != nullptr) {
      prev_->next_ = next_;
    } else {
      head = next_;
    }
    if (next_ != nullptr) next_->prev_ = prev_;
    linked_ = false;
    return true;
  }

  pipe* p_;
  pipe_waiter* prev_ = nullptr;
  pipe_waiter* next_ = nullptr;
  bool reader_;
  bool linked_ = false;  // guarded by p_->mu
  bool ready_now_ = false;
};

// Takes every waiter of `list` under the lock; wake_all() wakes them after it is released.
pipe_waiter* take_all(pipe_waiter*& list) noexcept {
  pipe_waiter* w = list;
  list = nullptr;
  for (pipe_waiter* p = w; p != nullptr; p = p->next_) p->linked_ = false;
  return w;
}
void wake_all(pipe_waiter* w) noexcept {
  while (w != nullptr) {
    pipe_waiter* next = w->next_;
    w->wake();  // the waiter may be gone after this
    w = next;
  }
}

struct duplex_shared {
  pipe pipes[2];
  // ordering: acq_rel decrement: the last end sees the other's writes before freeing.
  std::atomic<int> refs{2};
};

}  // namespace edo::detail

namespace edo::io {
namespace {

using detail::pipe;
using detail::pipe_waiter;

void close_write(pipe& p) {
  pipe_waiter* r;
  {
    std::lock_guard lock(p.mu);
    p.write_closed = true;
    r = detail::take_all(p.readers);
  }
  detail::wake_all(r);
}

void close_read(pipe& p) {
  pipe_waiter* w;
  {
    std::lock_guard lock(p.mu);
    p.read_closed = true;
    w = detail::take_all(p.writers);
  }
  detail::wake_all(w);
}

}  // namespace

std::pair<duplex_stream, duplex_stream> duplex(std::size_t max_buf_size) {
  if (max_buf_size == 0) throw std::invalid_argument("edo::io::duplex: max_buf_size must be >= 1");
  auto* s = new detail::duplex_shared;
  s->pipes[0].ring.resize(max_buf_size);
  s->pipes[1].ring.resize(max_buf_size);
  return {duplex_stream(s, 0), duplex_stream(s, 1)};
}

duplex_stream& duplex_stream::operator=(duplex_stream&& o) noexcept {
  if (this != &o) {
    duplex_stream old(std::move(*this));
    s_ = std::exchange(o.s_, nullptr);
    side_ = o.side_;
  }
  return *this;
}

duplex_stream::~duplex_stream() {
  if (s_ == nullptr) return;
  close_write(s_->pipes[side_]);
  close_read(s_->pipes[1 - side_]);
  // ordering: see duplex_shared::refs.
  if (s_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s_;
}

task<std::size_t> duplex_stream::read(std::span<std::byte> buf) const {
  if (buf.empty()) co_return 0;
  pipe& p = s_->pipes[1 - side_];
  for (;;) {
    co_await pipe_waiter(p, true);
    pipe_waiter* writers = nullptr;
    std::size_t n = 0;
    {
      std::lock_guard lock(p.mu);
      if (p.len == 0) {
        if (p.write_closed) co_return 0;
        continue;  // another reader took the bytes
      }
      n = std::min(buf.size(), p.len);
      const std::size_t cap = p.ring.size();
      const std::size_t first = std::min(n, cap - p.head);
      std::memcpy(buf.data(), p.ring.data() + p.head, first);
      std::memcpy(buf.data() + first, p.ring.data(), n - first);
      p.head = (p.head + n) % cap;
      p.len -= n;
      writers = detail::take_all(p.writers);
    }
    detail::wake_all(writers);
    co_return n;
  }
}

task<std::size_t> duplex_stream::write(std::span<const std::byte> buf) const {
  if (buf.empty()) co_return 0;
  pipe& p = s_->pipes[side_];
  for (;;) {
    co_await pipe_waiter(p, false);
    pipe_waiter* readers = nullptr;
    std::size_t n = 0;
    {
      std::lock_guard lock(p.mu);
      if (p.read_closed) throw std::system_error(EPIPE, std::generic_category(), "duplex write");
      if (p.write_closed)
        throw std::system_error(EPIPE, std::generic_category(), "duplex write after shutdown");
      const std::size_t cap = p.ring.size();
      n = std::min(buf.size(), cap - p.len);
      if (n == 0) continue;  // another writer filled it
      const std::size_t tail = (p.head + p.len) % cap;
      const std::size_t first = std::min(n, cap - tail);
      std::memcpy(p.ring.data() + tail, buf.data(), first);
      std::memcpy(p.ring.data(), buf.data() + first, n - first);
      p.len += n;
      readers = detail::take_all(p.readers);
    }
    detail::wake_all(readers);
    co_return n;
  }
}

task<void> duplex_stream::shutdown() const {
  close_write(s_->pipes[side_]);
  co_return;
}

}  // namespace edo::io
