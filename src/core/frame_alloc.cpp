// Slow paths of the frame allocator (see include/edo/detail/frame_alloc.hpp for the design).
//
// Locking: one global mutex guards the global pool, the cache registry and the orphan
// state. It is taken once per segment (a current list running dry with no spare or remote
// blocks, or a second list reaching its cap), when a thread first allocates, and when it
// exits: never per block (but for blocks carved after their thread's cache was retired).
#include <edo/detail/frame_alloc.hpp>

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <utility>

namespace edo::detail {

#if defined(EDO_ASAN)

// Under AddressSanitizer every block is an ordinary heap block, so ASan sees each frame's
// lifetime (use after free, leaks).
void* frame_alloc_slow(std::size_t n) {
  return ::operator new(n);
}
void frame_free_slow(void* p, std::size_t) noexcept {
  ::operator delete(p);
}

#else

namespace {

using free_block = frame_cache::free_block;

struct global_state {
  std::mutex mu;
  // Per class, a stack of segments linked through their first blocks' next_segment.
  free_block* pool[frame_cache::classes] = {};
  // pool[cls] != nullptr, readable without the lock (an empty pool is not worth locking).
  std::atomic<bool> pool_nonempty[frame_cache::classes] = {};
  frame_cache* registry = nullptr;  // every cache ever created; caches are never destroyed
  // Owner of chunks carved after a thread's cache was retired (thread-exit destructors);
  // its blocks always return to the pool.
  frame_cache global_owner;
};

// Never destroyed: threads may free frames while static destructors run.
global_state& global() {
  static global_state* g = new global_state;
  return *g;
}

constinit thread_local bool cache_retired = false;

// Chunks are carved from 4 MiB arenas mapped directly (aligned by trimming the mapping):
// aligned_alloc would touch a page of its own bookkeeping per chunk, ~6% of the memory of
// a million idle tasks. Arenas are never unmapped (the caches keep their chunks).
constexpr std::size_t arena_size = std::size_t{4} << 20;

void* new_chunk(frame_cache* owner, std::size_t cls) {
  static std::mutex arena_mu;
  static char* arena_next = nullptr;
  static char* arena_end = nullptr;
  void* mem;
  {
    std::lock_guard lock(arena_mu);
    if (arena_next == arena_end) {
      const std::size_t len = arena_size + frame_cache::chunk_size;
      void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED) throw std::bad_alloc();
      auto base = reinterpret_cast<std::uintptr_t>(m);
      const std::uintptr_t aligned =
          (base + frame_cache::chunk_size - 1) & ~(frame_cache::chunk_size - 1);
      if (aligned > base) ::munmap(m, aligned - base);
      const std::uintptr_t tail = base + len - (aligned + arena_size);
      if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + arena_size), tail);
      if (((aligned + arena_size) >> frame_cache::remote_shift) != 0) {
        // Block addresses must fit the remote stacks' packed words (x86-64 user space has 47
        // bits unless a mapping is asked for above them).
        ::munmap(reinterpret_cast<void*>(aligned), arena_size);
        throw std::bad_alloc();
      }
      arena_next = reinterpret_cast<char*>(aligned);
      arena_end = arena_next + arena_size;
    }
    mem = arena_next;
    arena_next += frame_cache::chunk_size;
  }
  auto* ch = static_cast<frame_cache::chunk*>(mem);
  ch->owner = owner;
  ch->cls = static_cast<std::uint32_t>(cls);
  return mem;
}

// Carves one block of class `cls` from `c`'s bump range, starting a chunk when it is used up.
void* carve(frame_cache* c, std::size_t cls) {
  const std::size_t size = frame_cache::size_of(cls);
  if (c->bump_[cls] == nullptr || c->bump_[cls] + size > c->bump_end_[cls]) {
    char* mem = static_cast<char*>(new_chunk(c, cls));
    c->bump_[cls] = mem + frame_cache::chunk_header;
    c->bump_end_[cls] = mem + frame_cache::chunk_size;
  }
  void* p = c->bump_[cls];
  c->bump_[cls] += size;
  return p;
}

free_block* remote_top(std::uintptr_t w) noexcept {
  return reinterpret_cast<free_block*>(w & ((std::uintptr_t{1} << frame_cache::remote_shift) - 1));
}
std::uint32_t remote_len(std::uintptr_t w) noexcept {
  return static_cast<std::uint32_t>(w >> frame_cache::remote_shift);
}

// Caller holds g.mu. Pushes the list `first` of `n` blocks as one segment.
void pool_push_locked(global_state& g, std::size_t cls, free_block* first, std::size_t n) noexcept {
  first->segment_count = n;
  first->next_segment = g.pool[cls];
  g.pool[cls] = first;
  g.pool_nonempty[cls].store(true, std::memory_order_relaxed);
}

void pool_push(std::size_t cls, free_block* first, std::size_t n) noexcept {
  if (first == nullptr) return;
  global_state& g = global();
  std::lock_guard lock(g.mu);
  pool_push_locked(g, cls, first, n);
}

// Makes the top segment of class `cls` in the pool `c`'s current list (which is empty).
bool take_from_pool(frame_cache* c, std::size_t cls) noexcept {
  global_state& g = global();
  // ordering: a hint; the lock orders the blocks themselves.
  if (!g.pool_nonempty[cls].load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(g.mu);
  free_block* seg = g.pool[cls];
  if (seg == nullptr) return false;
  g.pool[cls] = seg->next_segment;
  g.pool_nonempty[cls].store(g.pool[cls] != nullptr, std::memory_order_relaxed);
  c->free_[cls] = seg;
  c->count_[cls] = static_cast<std::uint32_t>(seg->segment_count);
  return true;
}

// Refills `c`'s empty current list of class `cls` without walking any list. False: carve.
bool refill(frame_cache* c, std::size_t cls) noexcept {
  if (c->spare_[cls] != nullptr) {
    c->free_[cls] = std::exchange(c->spare_[cls], nullptr);
    c->count_[cls] = std::exchange(c->spare_count_[cls], 0);
    return true;
  }
  // ordering: a relaxed peek; the exchange is the acquire (pairs with the pushers' release).
  if (c->remote_[cls].load(std::memory_order_relaxed) != 0) {
    const std::uintptr_t w = c->remote_[cls].exchange(0, std::memory_order_acquire);
    if (w != 0) {
      c->free_[cls] = remote_top(w);
      c->count_[cls] = remote_len(w);
      return true;
    }
  }
  return take_from_pool(c, cls);
}

void retire_cache() noexcept;

struct exit_hook {
  ~exit_hook() { retire_cache(); }
};

frame_cache* acquire_cache() {
  global_state& g = global();
  frame_cache* c = nullptr;
  {
    std::lock_guard lock(g.mu);
    for (frame_cache* it = g.registry; it != nullptr; it = it->registry_next_) {
      if (it->orphaned_) {
        it->orphaned_ = false;
        c = it;
        break;
      }
    }
    if (c == nullptr) {
      c = new frame_cache;
      c->registry_next_ = g.registry;
      g.registry = c;
    }
  }
  static thread_local exit_hook hook;  // registers retire_cache() for this thread's exit
  (void)&hook;
  tls.cache = c;
  return c;
}

void retire_cache() noexcept {
  frame_cache* c = tls.cache;
  if (c == nullptr) return;
  tls.cache = nullptr;
  cache_retired = true;
  global_state& g = global();
  for (std::size_t cls = 0; cls < frame_cache::classes; ++cls) {
    const std::uintptr_t w = c->remote_[cls].exchange(0, std::memory_order_acquire);
    std::lock_guard lock(g.mu);
    if (w != 0) pool_push_locked(g, cls, remote_top(w), remote_len(w));
    if (c->free_[cls] != nullptr) pool_push_locked(g, cls, c->free_[cls], c->count_[cls]);
    if (c->spare_[cls] != nullptr) pool_push_locked(g, cls, c->spare_[cls], c->spare_count_[cls]);
    c->free_[cls] = c->spare_[cls] = nullptr;
    c->count_[cls] = c->spare_count_[cls] = 0;
  }
  std::lock_guard lock(g.mu);
  c->orphaned_ = true;  // blocks freed remotely from now on wait in remote_ for the adopter
}

void* alloc_retired(std::size_t cls) {
  global_state& g = global();
  std::lock_guard lock(g.mu);
  if (free_block* seg = g.pool[cls]) {
    // Take the segment's first block; the rest stays a segment.
    free_block* rest = seg->next;
    if (rest != nullptr) {
      rest->next_segment = seg->next_segment;
      rest->segment_count = seg->segment_count - 1;
      g.pool[cls] = rest;
    } else {
      g.pool[cls] = seg->next_segment;
    }
    g.pool_nonempty[cls].store(g.pool[cls] != nullptr, std::memory_order_relaxed);
    return seg;
  }
  return carve(&g.global_owner, cls);
}

}  // namespace

void* frame_alloc_slow(std::size_t n) {
  if (n > frame_cache::max_small || n == 0) return ::operator new(n);
  const std::size_t cls = frame_cache::class_of(n);
  frame_cache* c = tls.cache;
  if (c == nullptr) {
    if (cache_retired) return alloc_retired(cls);
    c = acquire_cache();
  }
  if (c->free_[cls] == nullptr && !refill(c, cls)) return carve(c, cls);
  free_block* b = c->free_[cls];
  c->free_[cls] = b->next;
  --c->count_[cls];
  return b;
}

void frame_free_slow(void* p, std::size_t n) noexcept {
  if (n > frame_cache::max_small || n == 0) {
    ::operator delete(p);
    return;
  }
  auto* b = static_cast<free_block*>(p);
  frame_cache::chunk* ch = frame_cache::chunk_of(p);
  const std::size_t cls = ch->cls;
  frame_cache* owner = ch->owner;
  frame_cache* c = tls.cache;
  if (owner == c) {
    // The current list is at its cap: it becomes the spare (the old spare goes to the pool)
    // and `b` starts a new one.
    pool_push(cls, c->spare_[cls], c->spare_count_[cls]);
    c->spare_[cls] = c->free_[cls];
    c->spare_count_[cls] = c->count_[cls];
    b->next = nullptr;
    c->free_[cls] = b;
    c->count_[cls] = 1;
    return;
  }
  if (owner == &global().global_owner) {
    b->next = nullptr;
    pool_push(cls, b, 1);
    return;
  }
  std::atomic<std::uintptr_t>& top = owner->remote_[cls];
  std::uintptr_t w = top.load(std::memory_order_relaxed);
  for (;;) {
    if (remote_len(w) == frame_cache::remote_max) {
      // The stack's length no longer fits its word: hand the whole stack to the pool.
      // ordering: acquire pairs with the pushers' release (their links).
      if (!top.compare_exchange_weak(w, 0, std::memory_order_acquire, std::memory_order_relaxed)) {
        continue;
      }
      pool_push(cls, remote_top(w), remote_len(w));
      w = 0;
    }
    b->next = remote_top(w);
    const std::uintptr_t next = reinterpret_cast<std::uintptr_t>(b) |
                                (std::uintptr_t{remote_len(w) + 1} << frame_cache::remote_shift);
    // ordering: release publishes b->next to the owner's acquire exchange in refill.
    if (top.compare_exchange_weak(w, next, std::memory_order_release, std::memory_order_relaxed)) {
      return;
    }
  }
}

#endif  // EDO_ASAN

}  // namespace edo::detail
