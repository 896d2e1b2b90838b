// Build configuration shared by every public header: the export macro, branch hints and
// sanitizer detection. Nothing here changes behaviour between compilers except where a
// compiler lacks a facility (see ../shared/PLATFORM.md for the measured matrix).
#pragma once

#include <cstddef>

#if defined(EDO_STATIC_DEFINE) || !defined(EDO_SHARED)
#define EDO_API
#else
#define EDO_API __attribute__((visibility("default")))
#endif

#define EDO_LIKELY(x) __builtin_expect(!!(x), 1)
#define EDO_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define EDO_NOINLINE __attribute__((noinline))
#define EDO_ALWAYS_INLINE inline __attribute__((always_inline))

#if defined(__SANITIZE_ADDRESS__)
#define EDO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EDO_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define EDO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EDO_TSAN 1
#endif
#endif

namespace edo::detail {

// A cache line here (AMD EPYC). std::hardware_destructive_interference_size is g++-only.
inline constexpr std::size_t cache_line = 64;

}  // namespace edo::detail
