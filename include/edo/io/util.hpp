// The edo::io helpers over any async_read / async_write (Tokio's AsyncReadExt /
// AsyncWriteExt and tokio::io::copy):
//
//   co_await edo::io::read_exact(s, buf);          // all of buf, or unexpected_eof
//   std::string text; co_await edo::io::read_to_string(s, text);
//   co_await edo::io::write_all(s, "GET / HTTP/1.0\r\n\r\n");
//   std::uint64_t n = co_await edo::io::copy(from, to);
//   auto [ab, ba] = co_await edo::io::copy_bidirectional(a, b);
//
// The stream arguments are references: they must outlive the returned task (await it at
// once, as these examples do). A type with its own read_exact / write_all (the edo sockets:
// one compiled loop, no frame per chunk) is used directly.
//
// Cancellation safety: none of these is cancel safe, as in Tokio — bytes already moved stay
// moved (read into `buf`/`out`, or written) and their count is lost. copy_bidirectional
// shuts each side's writing down when the other side's reading reaches EOF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <edo/io/concepts.hpp>
#include <edo/io/error.hpp>
#include <edo/join.hpp>
#include <edo/task.hpp>

namespace edo::detail {

template <class R>
task<std::size_t> read_exact_loop(R& r, std::span<std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const std::size_t n = co_await r.read(buf.subspan(done));
    if (n == 0) throw std::system_error(io::errc::unexpected_eof, "read_exact");
    done += n;
  }
  co_return done;
}

template <class W>
task<void> write_all_loop(W& w, std::span<const std::byte> buf) {
  std::size_t done = 0;
  while (done < buf.size()) {
    const std::size_t n = co_await w.write(buf.subspan(done));
    if (n == 0) throw std::system_error(io::errc::write_zero, "write_all");
    done += n;
  }
}

inline std::span<const std::byte> bytes_of(std::string_view s) noexcept {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace edo::detail

namespace edo::io {

// Reads exactly buf.size() bytes; throws std::system_error(errc::unexpected_eof) if the
// stream ends first. Returns buf.size().
template <async_read R>
[[nodiscard]] task<std::size_t> read_exact(R& r, std::span<std::byte> buf) {
  if constexpr (requires {
                  { r.read_exact(buf) } -> std::same_as<task<std::size_t>>;
                }) {
    return r.read_exact(buf);
  } else {
    return detail::read_exact_loop(r, buf);
  }
}
template <async_read R>
[[nodiscard]] task<std::size_t> read_exact(R& r, std::span<char> buf) {
  return read_exact(r, std::as_writable_bytes(buf));
}

// Writes every byte of `buf`; throws std::system_error(errc::write_zero) if the writer
// accepts none.
template <async_write W>
[[nodiscard]] task<void> write_all(W& w, std::span<const std::byte> buf) {
  if constexpr (requires {
                  { w.write_all(buf) } -> std::same_as<task<void>>;
                }) {
    return w.write_all(buf);
  } else {
    return detail::write_all_loop(w, buf);
  }
}
template <async_write W>
[[nodiscard]] task<void> write_all(W& w, std::string_view s) {
  return write_all(w, detail::bytes_of(s));
}

// Reads until EOF, appending to `out`; returns how many bytes it appended.
template <async_read R>
[[nodiscard]] task<std::size_t> read_to_end(R& r, std::vector<std::byte>& out) {
  const std::size_t start = out.size();
  std::size_t chunk = 4096;
  for (;;) {
    const std::size_t used = out.size();
    out.resize(used + chunk);
    std::size_t n = 0;
    try {
      n = co_await r.read(std::span<std::byte>(out.data() + used, chunk));
    } catch (...) {
      out.resize(used);
      throw;
    }
    out.resize(used + n);
    if (n == 0) break;
    if (n == chunk && chunk < (std::size_t{1} << 20)) chunk *= 2;
  }
  co_return out.size() - start;
}

// Reads until EOF, appending to `out`; returns how many bytes it appended.
template <async_read R>
[[nodiscard]] task<std::size_t> read_to_string(R& r, std::string& out) {
  const std::size_t start = out.size();
  std::size_t chunk = 4096;
  for (;;) {
    const std::size_t used = out.size();
    out.resize(used + chunk);
    std::size_t n = 0;
    try {
      n = co_await r.read(std::as_writable_bytes(std::span<char>(out.data() + used, chunk)));
    } catch (...) {
      out.resize(used);
      throw;
    }
    out.resize(used + n);
    if (n == 0) break;
    if (n == chunk && chunk < (std::size_t{1} << 20)) chunk *= 2;
  }
  co_return out.size() - start;
}

// Copies everything from `r` to `w` until `r`'s EOF, then flushes `w` (it does not shut
// `w` down). Returns the bytes copied. Uses an 8 KiB buffer in the task's frame.
template <async_read R, async_write W>
[[nodiscard]] task<std::uint64_t> copy(R& r, W& w) {
  std::byte buf[8192];
  std::uint64_t total = 0;
  for (;;) {
    const std::size_t n = co_await r.read(std::span<std::byte>(buf, sizeof buf));
    if (n == 0) break;
    co_await write_all(w, std::span<const std::byte>(buf, n));
    total += n;
  }
  co_await w.flush();
  co_return total;
}

}  // namespace edo::io

namespace edo::detail {
template <class R, class W>
task<std::uint64_t> copy_then_shutdown(R& r, W& w) {
  const std::uint64_t n = co_await io::copy(r, w);
  co_await w.shutdown();
  co_return n;
}
}  // namespace edo::detail

namespace edo::io {

// Copies a→b and b→a at the same time (two strands of this task) until both directions
// reached EOF; each EOF shuts the other side's writing down. Returns {a→b, b→a} bytes.
template <class A, class B>
requires async_read<A> && async_write<A> && async_read<B> && async_write<B>
[[nodiscard]] task<std::pair<std::uint64_t, std::uint64_t>> copy_bidirectional(A& a, B& b) {
  auto [ab, ba] =
      co_await edo::join(detail::copy_then_shutdown(a, b), detail::copy_then_shutdown(b, a));
  co_return std::pair<std::uint64_t, std::uint64_t>(ab, ba);
}

}  // namespace edo::io
