// The JSON reader of edo-console (see json.hpp): a recursive-descent parser, depth-limited so
// that a hostile line cannot exhaust the stack.
#include "json.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace edo_console {

class json_parser {
 public:
  explicit json_parser(std::string_view s) : s_(s) {}

  bool document(json& out) {
    ws();
    if (!value(out, 0)) return false;
    ws();
    return i_ == s_.size() || fail("trailing characters");
  }
  std::string error() const { return error_ + " at byte " + std::to_string(i_); }

 private:
  static constexpr int max_depth = 256;

  bool fail(const char* what) {
    if (error_.empty()) error_ = what;
    return false;
  }
  void ws() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool literal(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return fail("bad literal");
    i_ += w.size();
    return true;
  }
  bool value(json& out, int depth) {
    if (depth > max_depth) return fail("nested too deeply");
    if (i_ >= s_.size()) return fail("unexpected end");
    switch (s_[i_]) {
      case '{':
        return object(out, depth);
      case '[':
        return array(out, depth);
      case '"':
        out.kind_ = json::kind::string;
        return string(out.str_);
      case 't':
        out.kind_ = json::kind::boolean;
        out.bool_ = true;
        return literal("true");
      case 'f':
        out.kind_ = json::kind::boolean;
        out.bool_ = false;
        return literal("false");
      case 'n':
        out.kind_ = json::kind::null;
        return literal("null");
      default:
        return number(out);
    }
  }
  bool object(json& out, int depth) {
    out.kind_ = json::kind::object;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    for (;;) {
      ws();
      std::string key;
      if (i_ >= s_.size() || s_[i_] != '"' || !string(key)) return fail("expected a key");
      ws();
      if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
      ++i_;
      ws();
      out.keys_.push_back(std::move(key));
      out.items_.emplace_back();
      if (!value(out.items_.back(), depth + 1)) return false;
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      return fail("expected ',' or '}'");
    }
  }
  bool array(json& out, int depth) {
    out.kind_ = json::kind::array;
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    for (;;) {
      ws();
      out.items_.emplace_back();
      if (!value(out.items_.back(), depth + 1)) return false;
      ws();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      return fail("expected ',' or ']'");
    }
  }
  static void put_utf8(std::string& o, std::uint32_t cp) {
    if (cp < 0x80) {
      o += static_cast<char>(cp);
    } else if (cp < 0x800) {
      o += static_cast<char>(0xC0 | (cp >> 6));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      o += static_cast<char>(0xE0 | (cp >> 12));
      o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      o += static_cast<char>(0xF0 | (cp >> 18));
      o += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(std::uint32_t& v) {
    v = 0;
    for (int k = 0; k < 4; ++k) {
      if (++i_ >= s_.size()) return fail("short \\u escape");
      const char c = s_[i_];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return fail("bad \\u escape");
      }
    }
    return true;
  }
  bool string(std::string& out) {
    for (++i_; i_ < s_.size(); ++i_) {
      const char c = s_[i_];
      if (c == '"') return ++i_, true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++i_ >= s_.size()) return fail("unexpected end");
      switch (s_[i_]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_ + 1, 2) == "\\u") {
            const std::size_t save = i_;
            i_ += 2;
            std::uint32_t lo = 0;
            if (hex4(lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              i_ = save;
              error_.clear();
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // a lone surrogate
          put_utf8(out, cp);
          break;
        }
        default:
          return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool number(json& out) {
    const std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (i_ >= s_.size() || !digit(s_[i_])) return fail("bad value");
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
    }
    bool integer = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      integer = false;
      if (++i_ >= s_.size() || !digit(s_[i_])) return fail("bad number");
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integer = false;
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ >= s_.size() || !digit(s_[i_])) return fail("bad number");
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
    }
    const std::string text(s_.substr(start, i_ - start));
    out.kind_ = json::kind::number;
    out.num_ = std::strtod(text.c_str(), nullptr);
    if (integer && text[0] != '-' && text.size() <= 20) {
      errno = 0;
      const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
      if (errno == 0) {
        out.exact_ = true;
        out.u64_ = v;
      }
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::string error_;
};

json json::parse(std::string_view text, std::string& error) {
  json out;
  json_parser p(text);
  if (!p.document(out)) {
    error = p.error();
    return json{};
  }
  error.clear();
  return out;
}

const json& json::operator[](std::string_view key) const noexcept {
  static const json null_value;
  if (kind_ != kind::object) return null_value;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return items_[i];
  }
  return null_value;
}

const json& json::operator[](std::size_t i) const noexcept {
  static const json null_value;
  if (kind_ != kind::array || i >= items_.size()) return null_value;
  return items_[i];
}

std::uint64_t json::u64(std::uint64_t fallback) const noexcept {
  if (kind_ != kind::number) return fallback;
  if (exact_) return u64_;
  if (!(num_ >= 0) || num_ >= 18446744073709551616.0) return fallback;
  return static_cast<std::uint64_t>(num_);
}

const std::string& json::str() const noexcept {
  static const std::string empty;
  return kind_ == kind::string ? str_ : empty;
}

}  // namespace edo_console
