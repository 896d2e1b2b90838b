// EDO_SHUFFLE: a test build that randomises the order of ready lists, run queues and steal
// victims from a seed (environment variable EDO_SHUFFLE=<seed>), so that runs explore
// schedules a quiet machine never produces. ThreadSanitizer finds data races, not lost
// wake-ups; shuffled runs under several seeds look for the latter.
//
// Compiled in only with the CMake option EDO_SHUFFLE=ON (the tsan preset); otherwise every
// call here is a constant and disappears.
#pragma once

#include <cstdint>

#include <edo/detail/config.hpp>

namespace edo::detail {

#if defined(EDO_SHUFFLE_BUILD)
EDO_API bool shuffle_enabled() noexcept;
// A per-thread pseudo-random number (xorshift, seeded from EDO_SHUFFLE and the thread).
EDO_API std::uint32_t shuffle_next() noexcept;
// True with probability 1/2 when shuffling, never otherwise.
inline bool shuffle_coin() noexcept {
  return shuffle_enabled() && (shuffle_next() & 1) != 0;
}
#else
constexpr bool shuffle_enabled() noexcept {
  return false;
}
constexpr std::uint32_t shuffle_next() noexcept {
  return 0;
}
constexpr bool shuffle_coin() noexcept {
  return false;
}
#endif

}  // namespace edo::detail
