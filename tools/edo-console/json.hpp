// A small JSON reader for edo-console: parses one console answer line (docs/console.md) into
// a tree. Strict RFC 8259 syntax; \u escapes become UTF-8. Non-negative integers are kept
// exactly (task ids are 64-bit); other numbers as double.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edo_console {

class json {
 public:
  enum class kind { null, boolean, number, string, array, object };

  // Parses `text` (one value, surrounded by optional whitespace). On a syntax error returns
  // null and sets `error` to what and where.
  static json parse(std::string_view text, std::string& error);

  kind type() const noexcept { return kind_; }
  bool is_null() const noexcept { return kind_ == kind::null; }
  bool is_object() const noexcept { return kind_ == kind::object; }
  bool is_array() const noexcept { return kind_ == kind::array; }

  // Member `key` of an object, element `i` of an array; a null value when absent, so that
  // lookups chain (v["a"]["b"].u64()).
  const json& operator[](std::string_view key) const noexcept;
  const json& operator[](std::size_t i) const noexcept;
  std::size_t size() const noexcept { return items_.size(); }
  const std::vector<json>& elements() const noexcept { return items_; }

  bool boolean(bool fallback = false) const noexcept {
    return kind_ == kind::boolean ? bool_ : fallback;
  }
  std::uint64_t u64(std::uint64_t fallback = 0) const noexcept;
  double number(double fallback = 0) const noexcept {
    return kind_ == kind::number ? num_ : fallback;
  }
  const std::string& str() const noexcept;  // empty unless a string

 private:
  friend class json_parser;
  kind kind_ = kind::null;
  bool bool_ = false;
  bool exact_ = false;  // u64_ holds the number exactly
  std::uint64_t u64_ = 0;
  double num_ = 0;
  std::string str_;
  std::vector<json> items_;        // array elements, or object values
  std::vector<std::string> keys_;  // object keys (parallel to items_)
};

}  // namespace edo_console
