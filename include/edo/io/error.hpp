// edo::io's own error codes, for failures that have no errno: an EOF that came before the
// bytes an operation needed, and a writer that accepts no bytes. They are thrown as
// std::system_error like every I/O error (Tokio's ErrorKind::UnexpectedEof / WriteZero):
//
//   try { co_await edo::io::read_exact(s, buf); }
//   catch (const std::system_error& e) {
//     if (e.code() == edo::io::errc::unexpected_eof) ...
//   }
#pragma once

#include <string>
#include <system_error>

#include <edo/detail/config.hpp>

namespace edo::io {

enum class errc {
  unexpected_eof = 1,  // the stream ended before the operation got every byte it needed
  write_zero = 2,      // a write accepted 0 bytes of a non-empty buffer
};

// The "edo.io" category.
EDO_API const std::error_category& io_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), io_category()};
}

}  // namespace edo::io

template <>
struct std::is_error_code_enum<edo::io::errc> : std::true_type {};
