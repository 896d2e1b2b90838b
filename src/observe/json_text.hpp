// JSON string text shared by the console (observe/console.cpp) and the trace
// (observe/trace.cpp): task names are arbitrary C strings, and the output must stay valid
// JSON whatever they hold.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace edo::detail::json {

// The length of the well-formed UTF-8 sequence at s[i] (a non-ASCII lead byte), or 0.
inline std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  }
  return n;
}

// The text of a JSON string, without its quotes: quotes, backslashes and control
// characters escaped; bytes that are not well-formed UTF-8 become U+FFFD.
inline void escape_into(std::string& o, std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const std::size_t n = utf8_length(s, i); n != 0) {
        o.append(s.substr(i, n));
        i += n;
      } else {
        o += "\\ufffd";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\r':
        o += "\\r";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
    ++i;
  }
}

// A JSON string, quoted.
inline void put_string(std::string& o, std::string_view s) {
  o += '"';
  escape_into(o, s);
  o += '"';
}

}  // namespace edo::detail::json
