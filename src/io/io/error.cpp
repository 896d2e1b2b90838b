// The edo.io error category (see <edo/io/error.hpp>).
#include <edo/io/error.hpp>

namespace edo::io {
namespace {

class category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "edo.io"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::unexpected_eof:
        return "unexpected end of stream";
      case errc::write_zero:
        return "write accepted zero bytes";
    }
    return "unknown edo.io error";
  }
};

}  // namespace

const std::error_category& io_category() noexcept {
  static const category_impl c;
  return c;
}

}  // namespace edo::io
