// Slow paths of the frame allocator (see include/edo/detail/frame_alloc.hpp for the design).
//
// Locking: one global mutex guards the global pool, the cache registry and the orphan
// state. It is taken once per batch (a free list running dry or overflowing), when a thread
// first allocates, and when it exits: never per block.
#include <edo/detail/frame_alloc.hpp>

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>

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
  free_block* pool[frame_cache::classes] = {};
  std::uint32_t pool_count[frame_cache::classes] = {};
  // pool_count[cls] != 0, readable without the lock (an empty pool is not worth locking).
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

void push_local(frame_cache* c, free_block* b, std::size_t cls) noexcept {
  b->next = c->free_[cls];
  c->free_[cls] = b;
  ++c->count_[cls];
}

// Moves every block of `c`'s remote-free stack onto its local lists.
void drain_remote(frame_cache* c) noexcept {
  // ordering: acquire pairs with the release CAS of remote pushers (their `next` links).
  free_block* b = c->remote_.exchange(nullptr, std::memory_order_acquire);
  while (b != nullptr) {
    free_block* next = b->next;
    push_local(c, b, frame_cache::chunk_of(b)->cls);
    b = next;
  }
}

// Hands `n` blocks of class `cls` from `c`'s local list to the global pool.
void flush_to_pool(frame_cache* c, std::size_t cls, std::uint32_t n) noexcept {
  if (n == 0) return;
  free_block* first = c->free_[cls];
  free_block* last = first;
  for (std::uint32_t i = 1; i < n; ++i) last = last->next;
  c->free_[cls] = last->next;
  c->count_[cls] -= n;
  global_state& g = global();
  std::lock_guard lock(g.mu);
  last->next = g.pool[cls];
  g.pool[cls] = first;
  g.pool_count[cls] += n;
  g.pool_nonempty[cls].store(true, std::memory_order_relaxed);
}

// Takes up to half a cap's worth of blocks of class `cls` from the global pool.
bool refill_from_pool(frame_cache* c, std::size_t cls) noexcept {
  global_state& g = global();
  // ordering: a hint; the lock orders the blocks themselves.
  if (!g.pool_nonempty[cls].load(std::memory_order_relaxed)) return false;
  std::lock_guard lock(g.mu);
  std::uint32_t want = frame_cache_cap(cls) / 2;
  bool got = false;
  while (want-- > 0 && g.pool[cls] != nullptr) {
    free_block* b = g.pool[cls];
    g.pool[cls] = b->next;
    --g.pool_count[cls];
    push_local(c, b, cls);
    got = true;
  }
  g.pool_nonempty[cls].store(g.pool[cls] != nullptr, std::memory_order_relaxed);
  return got;
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
  drain_remote(c);
  global_state& g = global();
  std::lock_guard lock(g.mu);
  for (std::size_t cls = 0; cls < frame_cache::classes; ++cls) {
    while (free_block* b = c->free_[cls]) {
      c->free_[cls] = b->next;
      b->next = g.pool[cls];
      g.pool[cls] = b;
      ++g.pool_count[cls];
      g.pool_nonempty[cls].store(true, std::memory_order_relaxed);
    }
    c->count_[cls] = 0;
  }
  c->orphaned_ = true;  // blocks freed remotely from now on wait in remote_ for the adopter
}

void* alloc_retired(std::size_t cls) {
  global_state& g = global();
  std::lock_guard lock(g.mu);
  if (free_block* b = g.pool[cls]) {
    g.pool[cls] = b->next;
    --g.pool_count[cls];
    g.pool_nonempty[cls].store(g.pool[cls] != nullptr, std::memory_order_relaxed);
    return b;
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
  if (c->free_[cls] == nullptr) {
    // ordering: a relaxed peek; drain_remote's exchange is the acquire.
    if (c->remote_.load(std::memory_order_relaxed) != nullptr) drain_remote(c);
    if (c->free_[cls] == nullptr && !refill_from_pool(c, cls)) return carve(c, cls);
  }
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
  frame_cache* owner = ch->owner;
  frame_cache* c = tls.cache;
  if (owner == c) {
    // Over the cap: keep the block, hand half of the list to the pool.
    push_local(c, b, ch->cls);
    flush_to_pool(c, ch->cls, c->count_[ch->cls] / 2);
    return;
  }
  global_state& g = global();
  if (owner == &g.global_owner) {
    std::lock_guard lock(g.mu);
    b->next = g.pool[ch->cls];
    g.pool[ch->cls] = b;
    ++g.pool_count[ch->cls];
    g.pool_nonempty[ch->cls].store(true, std::memory_order_relaxed);
    return;
  }
  // ordering: release publishes b->next to the owner's acquire exchange in drain_remote.
  free_block* head = owner->remote_.load(std::memory_order_relaxed);
  do {
    b->next = head;
  } while (!owner->remote_.compare_exchange_weak(head, b, std::memory_order_release,
                                                 std::memory_order_relaxed));
}

#endif  // EDO_ASAN

}  // namespace edo::detail
