// Recycling allocator for coroutine frames and task cells.
//
// A spawn allocates a frame and a task cell; glibc's malloc adds ~6 ns to each on this
// machine, so both come from a per-thread cache instead. Blocks of up to `max_small` bytes
// are carved from 64 KiB chunks aligned to their size; a chunk's header names the cache that
// owns it and the block size, so a free needs no per-block header.
//
// Free blocks move between lists in whole segments, never one by one: a walk over a list of
// cold blocks costs a cache miss per block (a spawn flood freed on another worker made the
// old one-by-one drains ~9% of the timers benchmark). Per size class:
//
//  * free on the owning thread: push onto the class's current list. A list at its cap
//    becomes the class's spare and a new one starts; a spare already there goes to the
//    global pool first (one lock per cap's worth of frees);
//  * free on another thread: push onto the owner's remote-free stack of the class (one CAS
//    on a word that packs the top block and the stack's length);
//  * an empty current list takes, in order: the spare, the whole remote stack (one
//    exchange), a segment from the global pool (one lock), a block carved from a chunk;
//  * a cache outlives its thread: at thread exit its lists go to the global pool, and the
//    cache waits, orphaned, to be adopted by the next thread that needs one.
//
// Larger blocks go to ::operator new. Under AddressSanitizer every block goes to
// ::operator new so that ASan sees each frame's lifetime.
//
// The fast paths below are inline: a TLS load, a size-class index and a list pop/push.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include <edo/detail/config.hpp>
#include <edo/detail/context.hpp>

namespace edo::detail {

class frame_cache {
 public:
  static constexpr std::size_t granule = 16;
  static constexpr std::size_t classes = 64;
  static constexpr std::size_t max_small = granule * classes;  // 1 KiB
  static constexpr std::size_t chunk_size = std::size_t{64} << 10;
  static constexpr std::size_t chunk_header = 64;

  struct free_block {
    free_block* next;
    // Set on the first block of a segment in the global pool only (under its lock).
    free_block* next_segment;
    std::size_t segment_count;
  };
  struct chunk {
    frame_cache* owner;  // the cache whose thread carves and frees this chunk's blocks
    std::uint32_t cls;   // size class of every block in the chunk
  };

  // Class 0 (16 bytes) is never used: a block must hold a free_block.
  static constexpr std::size_t class_of(std::size_t n) noexcept {
    return n <= 2 * granule ? 1 : (n - 1) / granule;
  }
  static constexpr std::size_t size_of(std::size_t cls) noexcept { return (cls + 1) * granule; }
  static chunk* chunk_of(void* p) noexcept {
    return reinterpret_cast<chunk*>(reinterpret_cast<std::uintptr_t>(p) & ~(chunk_size - 1));
  }

  // A remote-free stack word: the top block's address in the low 48 bits, the stack's
  // length in the high 16 (a pusher that finds it full gives the stack to the pool).
  static constexpr unsigned remote_shift = 48;
  static constexpr std::uintptr_t remote_max = (std::uintptr_t{1} << (64 - remote_shift)) - 1;

  // Owning thread only.
  free_block* free_[classes] = {};
  std::uint32_t count_[classes] = {};
  free_block* spare_[classes] = {};
  std::uint32_t spare_count_[classes] = {};
  char* bump_[classes] = {};
  char* bump_end_[classes] = {};
  // Pushed by other threads (CAS), taken whole by the owner (exchange).
  // ordering: push is release, take is acquire, so the block's `next` link written by the
  // pusher is visible to the owner.
  alignas(cache_line) std::atomic<std::uintptr_t> remote_[classes] = {};
  // Registry link and state; guarded by the global allocator lock.
  frame_cache* registry_next_ = nullptr;
  bool orphaned_ = false;
};

EDO_API void* frame_alloc_slow(std::size_t n);
EDO_API void frame_free_slow(void* p, std::size_t n) noexcept;

// Local free-list cap per size class, in blocks (about 256 KiB of each class).
inline constexpr std::uint32_t frame_cache_cap(std::size_t cls) noexcept {
  const std::size_t n = (std::size_t{256} << 10) / frame_cache::size_of(cls);
  return static_cast<std::uint32_t>(n < 64 ? 64 : n);
}

EDO_ALWAYS_INLINE void* frame_alloc(std::size_t n) {
#if !defined(EDO_ASAN)
  // A coroutine's ramp can be inlined into its caller's body, which may have computed the
  // thread-local address before a suspension (see this_thread_context): not `tls` here.
  frame_cache* c = this_thread_context().cache;
  if (EDO_LIKELY(c != nullptr && n <= frame_cache::max_small)) {
    const std::size_t cls = frame_cache::class_of(n);
    if (frame_cache::free_block* b = c->free_[cls]) {
      c->free_[cls] = b->next;
      --c->count_[cls];
      return b;
    }
  }
#endif
  return frame_alloc_slow(n);
}

EDO_ALWAYS_INLINE void frame_free(void* p, std::size_t n) noexcept {
#if !defined(EDO_ASAN)
  // Called from coroutine destroy functions: the thread-local address must not be one
  // computed before a suspension (see this_thread_context).
  frame_cache* c = this_thread_context().cache;
  if (EDO_LIKELY(c != nullptr && n <= frame_cache::max_small)) {
    const std::size_t cls = frame_cache::class_of(n);
    if (EDO_LIKELY(frame_cache::chunk_of(p)->owner == c && c->count_[cls] < frame_cache_cap(cls))) {
      auto* b = static_cast<frame_cache::free_block*>(p);
      b->next = c->free_[cls];
      c->free_[cls] = b;
      ++c->count_[cls];
      return;
    }
  }
#endif
  frame_free_slow(p, n);
}

}  // namespace edo::detail
