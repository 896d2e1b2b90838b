// The halves of a split stream (tcp_stream, unix_stream): a reader and a writer that two
// tasks may use at the same time — one reading while the other writes (Tokio's
// ReadHalf/WriteHalf and OwnedReadHalf/OwnedWriteHalf).
//
//   auto [rd, wr] = stream.split();            // borrowed: `stream` must outlive both
//   co_await edo::join(edo::io::copy(rd, out), edo::io::copy(in, wr));
//
//   auto [rd, wr] = std::move(stream).into_split();  // owned: each half may go to its own
//   edo::spawn(reader_task, std::move(rd));            // task; the socket closes when both
//   edo::spawn(writer_task, std::move(wr));            // halves are gone
//
// Reads and writes of one stream use separate readiness bits and waiter entries, so a
// reader and a writer never wait for each other. Dropping an owned write half shuts the
// write direction down (the peer reads EOF), as in Tokio.
#pragma once

#include <atomic>
#include <utility>

#include <edo/detail/stream.hpp>

namespace edo::net {

// What shutdown(how) closes.
enum class shutdown_how { read, write, both };

}  // namespace edo::net

namespace edo::detail {
// The socket shared by two owned halves.
struct shared_source {
  io_source src;
  // ordering: acq_rel decrement: the last half sees the other's writes before closing.
  std::atomic<int> refs{2};
};
EDO_API void release_shared(shared_source* s) noexcept;
EDO_API void shutdown_fd(int fd, net::shutdown_how how);
}  // namespace edo::detail

namespace edo::net {

class read_half : public detail::stream_reader<read_half> {
 public:
  explicit read_half(const detail::io_source& s) noexcept : src_(&s) {}
  const detail::io_source& source() const noexcept { return *src_; }
  int native_handle() const noexcept { return src_->fd(); }

 private:
  const detail::io_source* src_;
};

class write_half : public detail::stream_writer<write_half> {
 public:
  explicit write_half(const detail::io_source& s) noexcept : src_(&s) {}
  const detail::io_source& source() const noexcept { return *src_; }
  int native_handle() const noexcept { return src_->fd(); }
  // Shuts the write direction down: the peer reads EOF.
  [[nodiscard]] edo::task<void> shutdown() const {
    detail::shutdown_fd(src_->fd(), shutdown_how::write);
    co_return;
  }

 private:
  const detail::io_source* src_;
};

class owned_read_half : public detail::stream_reader<owned_read_half> {
 public:
  explicit owned_read_half(detail::shared_source* s) noexcept : s_(s) {}
  owned_read_half(owned_read_half&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  owned_read_half& operator=(owned_read_half&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~owned_read_half() {
    if (s_ != nullptr) detail::release_shared(s_);
  }
  const detail::io_source& source() const noexcept { return s_->src; }
  int native_handle() const noexcept { return s_->src.fd(); }

 private:
  detail::shared_source* s_;
};

class owned_write_half : public detail::stream_writer<owned_write_half> {
 public:
  explicit owned_write_half(detail::shared_source* s) noexcept : s_(s) {}
  owned_write_half(owned_write_half&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), shut_(o.shut_) {}
  owned_write_half& operator=(owned_write_half&& o) noexcept {
    std::swap(s_, o.s_);
    std::swap(shut_, o.shut_);
    return *this;
  }
  // Shuts the write direction down (unless shutdown() already did), then lets go.
  ~owned_write_half() {
    if (s_ == nullptr) return;
    if (!shut_) {
      try {
        detail::shutdown_fd(s_->src.fd(), shutdown_how::write);
      } catch (...) {  // not connected any more: nothing to shut down
      }
    }
    detail::release_shared(s_);
  }
  const detail::io_source& source() const noexcept { return s_->src; }
  int native_handle() const noexcept { return s_->src.fd(); }
  [[nodiscard]] edo::task<void> shutdown() {
    detail::shutdown_fd(s_->src.fd(), shutdown_how::write);
    shut_ = true;
    co_return;
  }

 private:
  detail::shared_source* s_;
  bool shut_ = false;
};

}  // namespace edo::net
