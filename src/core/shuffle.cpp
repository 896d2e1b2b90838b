// EDO_SHUFFLE's random source (see include/edo/detail/shuffle.hpp).
#include <edo/detail/shuffle.hpp>

#if defined(EDO_SHUFFLE_BUILD)

#include <atomic>
#include <cstdlib>
#include <functional>
#include <thread>

namespace edo::detail {
namespace {

std::uint32_t seed() noexcept {
  static const std::uint32_t s = [] {
    const char* e = std::getenv("EDO_SHUFFLE");
    return e == nullptr ? 0u : static_cast<std::uint32_t>(std::strtoul(e, nullptr, 10));
  }();
  return s;
}

std::atomic<std::uint32_t> thread_counter{0};

}  // namespace

bool shuffle_enabled() noexcept {
  return seed() != 0;
}

std::uint32_t shuffle_next() noexcept {
  thread_local std::uint32_t x =
      seed() * 2654435761u ^ (thread_counter.fetch_add(1, std::memory_order_relaxed) + 1) * 40503u;
  if (x == 0) x = 1;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

}  // namespace edo::detail

#endif
