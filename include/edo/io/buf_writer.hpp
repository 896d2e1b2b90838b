// edo::io::buf_writer — buffered writing over any async_write (Tokio's BufWriter): small
// writes gather in a buffer and go out in one system call when it fills or on flush().
//
//   edo::io::buf_writer out(std::move(stream));
//   for (auto& rec : records) co_await edo::io::write_all(out, rec);
//   co_await out.flush();                // nothing is written implicitly on destruction
//
// W is the inner writer: moved in from an rvalue, borrowed from an lvalue (W = tcp_stream&). A
// write larger than the buffer goes straight through once the buffer is empty. shutdown() flushes
// first. A buf_writer over a stream that also reads forwards read() to it.
//
// Cancellation safety: write() is cancel safe (a cancelled write buffered nothing). flush()
// is not: part of the buffer may have been written; what was not stays buffered, so a
// later flush() continues it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <system_error>
#include <utility>

#include <edo/io/concepts.hpp>
#include <edo/io/error.hpp>
#include <edo/task.hpp>

namespace edo::io {

template <class W>
requires async_write<std::remove_reference_t<W>>
class buf_writer {
 public:
  static constexpr std::size_t default_capacity = 8192;

  explicit buf_writer(W inner, std::size_t capacity = default_capacity)
      : inner_(std::forward<W>(inner)),
        buf_(std::make_unique<std::byte[]>(capacity)),
        cap_(capacity) {}
  buf_writer(buf_writer&&) noexcept = default;
  buf_writer& operator=(buf_writer&&) noexcept = default;

  std::remove_reference_t<W>& get_ref() noexcept { return inner_; }
  // The inner writer; unflushed bytes are lost.
  W into_inner() && { return std::forward<W>(inner_); }
  // Bytes written here and not yet passed on.
  std::span<const std::byte> buffer() const noexcept { return {buf_.get() + pos_, len_ - pos_}; }

  [[nodiscard]] task<std::size_t> write(std::span<const std::byte> in) {
    if (len_ + in.size() > cap_) co_await flush_buffer();
    if (in.size() >= cap_) co_return co_await inner_.write(in);
    std::memcpy(buf_.get() + len_, in.data(), in.size());
    len_ += in.size();
    co_return in.size();
  }
  [[nodiscard]] task<std::size_t> write(std::string_view s) {
    return write(std::as_bytes(std::span<const char>(s.data(), s.size())));
  }

  // Writes the buffer out, then flushes the inner writer.
  [[nodiscard]] task<void> flush() {
    co_await flush_buffer();
    co_await inner_.flush();
  }
  // Flushes, then shuts the inner writer down.
  [[nodiscard]] task<void> shutdown() {
    co_await flush_buffer();
    co_await inner_.shutdown();
  }

  // async_read, when the inner stream reads too.
  [[nodiscard]] auto read(std::span<std::byte> b) requires async_read<std::remove_reference_t<W>> {
    return inner_.read(b);
  }

 private:
  task<void> flush_buffer() {
    while (pos_ < len_) {
      const std::size_t n =
          co_await inner_.write(std::span<const std::byte>(buf_.get() + pos_, len_ - pos_));
      if (n == 0) throw std::system_error(errc::write_zero, "buf_writer::flush");
      pos_ += n;
    }
    pos_ = len_ = 0;
  }

  W inner_;
  std::unique_ptr<std::byte[]> buf_;
  std::size_t cap_;
  std::size_t pos_ = 0;  // buf_[pos_, len_) is still to be written
  std::size_t len_ = 0;
};

// An lvalue is borrowed (buf_writer<S&>), an rvalue is moved in (buf_writer<S>).
template <class W>
buf_writer(W&&) -> buf_writer<W>;
template <class W>
buf_writer(W&&, std::size_t) -> buf_writer<W>;

}  // namespace edo::io
