// edo::io::async_read and async_write — what the edo::io helpers (read_exact, copy,
// buf_reader, ...) need from a byte stream (Tokio's AsyncRead / AsyncWrite, as member
// functions returning edo awaitables):
//
//   co_await r.read(std::span<std::byte>)        -> std::size_t   (0: EOF or empty buffer)
//   co_await w.write(std::span<const std::byte>) -> std::size_t   (>= 1 for a non-empty one)
//   co_await w.flush()                           -> void          (push buffered bytes on)
//   co_await w.shutdown()                        -> void          (no more writes: EOF)
//
// tcp_stream, unix_stream, the halves of a split, a child's pipes, duplex_stream, buf_reader
// and buf_writer model them; so can a user's type.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <type_traits>

#include <edo/detail/awaitable.hpp>
#include <edo/detail/strand.hpp>

namespace edo::io {

// An edo awaitable whose co_await yields T (or void).
template <class A, class T>
concept awaitable_of = detail::edo_awaitable<A> &&
    (std::is_void_v<T> ? std::is_void_v<detail::await_result_t<A>>
                       : std::convertible_to<detail::await_result_t<A>, T>);

template <class R>
concept async_read = requires(R& r, std::span<std::byte> buf) {
  { r.read(buf) } -> awaitable_of<std::size_t>;
};

template <class W>
concept async_write = requires(W& w, std::span<const std::byte> buf) {
  { w.write(buf) } -> awaitable_of<std::size_t>;
  { w.flush() } -> awaitable_of<void>;
  { w.shutdown() } -> awaitable_of<void>;
};

}  // namespace edo::io
