// edo::io::buf_reader — buffered reading over any async_read (Tokio's BufReader +
// AsyncBufReadExt): fewer system calls for small reads, and line / delimiter reads.
//
//   edo::io::buf_reader in(std::move(stream));          // or buf_reader<tcp_stream&>(s)
//   std::string line;
//   while (co_await in.read_line(line)) { handle(line); line.clear(); }
//
//   auto lines = in.lines();
//   while (auto l = co_await lines.next_line()) std::cout << *l << '\n';   // no '\n'
//
// R is the inner reader: `buf_reader in(std::move(s))` owns it, `buf_reader in(s)` borrows s
// (R = tcp_stream&; s must then outlive the reader).
// A buf_reader over a stream that also writes forwards write/flush/shutdown to it, so it is
// still an async_write. The buf_reader must not move while an operation on it is pending.
//
// Cancellation safety: read(), fill_buf(), read_until() and read_line() are cancel safe in
// Tokio's sense: bytes taken from the stream are either in the internal buffer or already
// appended to `out`, so calling again continues where the cancelled call stopped.
// lines().next_line() keeps its partial line inside the lines object: cancel safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <edo/io/concepts.hpp>
#include <edo/task.hpp>

namespace edo::io {

template <class R>
requires async_read<std::remove_reference_t<R>>
class buf_reader {
 public:
  static constexpr std::size_t default_capacity = 8192;

  explicit buf_reader(R inner, std::size_t capacity = default_capacity)
      : inner_(std::forward<R>(inner)),
        buf_(std::make_unique<std::byte[]>(capacity)),
        cap_(capacity) {}
  buf_reader(buf_reader&&) noexcept = default;
  buf_reader& operator=(buf_reader&&) noexcept = default;

  std::remove_reference_t<R>& get_ref() noexcept { return inner_; }
  // The inner reader; bytes still buffered are lost.
  R into_inner() && { return std::forward<R>(inner_); }
  // The bytes buffered and not consumed yet.
  std::span<const std::byte> buffer() const noexcept { return {buf_.get() + pos_, end_ - pos_}; }

  // async_read: buffered bytes first; a large read into an empty buffer goes straight to
  // the inner reader.
  [[nodiscard]] task<std::size_t> read(std::span<std::byte> out) {
    if (pos_ == end_ && out.size() >= cap_) co_return co_await inner_.read(out);
    if (pos_ == end_) co_await fill();
    const std::size_t n = std::min(out.size(), end_ - pos_);
    if (n > 0) std::memcpy(out.data(), buf_.get() + pos_, n);
    pos_ += n;
    co_return n;
  }

  // The buffered bytes, reading more first if there are none; empty at EOF. consume(n)
  // marks n of them used.
  [[nodiscard]] task<std::span<const std::byte>> fill_buf() {
    if (pos_ == end_) co_await fill();
    co_return buffer();
  }
  void consume(std::size_t n) noexcept { pos_ = std::min(pos_ + n, end_); }

  // Appends bytes to `out` up to and including `delim` (or to EOF). Returns how many it
  // appended: 0 means EOF.
  [[nodiscard]] task<std::size_t> read_until(std::byte delim, std::vector<std::byte>& out) {
    std::size_t total = 0;
    for (;;) {
      if (pos_ == end_) {
        co_await fill();
        if (pos_ == end_) co_return total;  // EOF
      }
      const std::byte* start = buf_.get() + pos_;
      const std::size_t avail = end_ - pos_;
      const void* hit = std::memchr(start, static_cast<int>(delim), avail);
      const std::size_t take =
          hit ? static_cast<std::size_t>(static_cast<const std::byte*>(hit) - start) + 1 : avail;
      out.insert(out.end(), start, start + take);
      pos_ += take;
      total += take;
      if (hit) co_return total;
    }
  }

  // Appends one line to `out`, '\n' included (the last line of a stream may lack it).
  // Returns how many bytes it appended: 0 means EOF.
  [[nodiscard]] task<std::size_t> read_line(std::string& out) {
    std::size_t total = 0;
    for (;;) {
      if (pos_ == end_) {
        co_await fill();
        if (pos_ == end_) co_return total;
      }
      const char* start = reinterpret_cast<const char*>(buf_.get() + pos_);
      const std::size_t avail = end_ - pos_;
      const void* hit = std::memchr(start, '\n', avail);
      const std::size_t take =
          hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - start) + 1 : avail;
      out.append(start, take);
      pos_ += take;
      total += take;
      if (hit) co_return total;
    }
  }

  // The lines of the stream, without their "\n" or "\r\n" (Tokio's Lines). The lines object
  // borrows this reader.
  class lines_t {
   public:
    explicit lines_t(buf_reader& r) noexcept : r_(&r) {}
    // The next line, or nullopt at EOF.
    [[nodiscard]] task<std::optional<std::string>> next_line() {
      const std::size_t n = co_await r_->read_line(partial_);
      if (n == 0 && partial_.empty()) co_return std::nullopt;
      std::string line = std::move(partial_);
      partial_.clear();
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        if (!line.empty() && line.back() == '\r') line.pop_back();
      }
      co_return line;
    }

   private:
    buf_reader* r_;
    std::string partial_;  // a line cut short by a cancellation
  };
  lines_t lines() noexcept { return lines_t(*this); }

  // async_write, when the inner stream writes too.
  [[nodiscard]] auto write(std::span<const std::byte> b) requires
      async_write<std::remove_reference_t<R>> {
    return inner_.write(b);
  }
  [[nodiscard]] auto flush() requires async_write<std::remove_reference_t<R>> {
    return inner_.flush();
  }
  [[nodiscard]] auto shutdown() requires async_write<std::remove_reference_t<R>> {
    return inner_.shutdown();
  }

 private:
  task<void> fill() {
    pos_ = end_ = 0;
    end_ = co_await inner_.read(std::span<std::byte>(buf_.get(), cap_));
  }

  R inner_;
  std::unique_ptr<std::byte[]> buf_;
  std::size_t cap_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
};

// An lvalue is borrowed (buf_reader<S&>), an rvalue is moved in (buf_reader<S>).
template <class R>
buf_reader(R&&) -> buf_reader<R>;
template <class R>
buf_reader(R&&, std::size_t) -> buf_reader<R>;

}  // namespace edo::io
