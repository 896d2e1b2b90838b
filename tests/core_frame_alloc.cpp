// The frame allocator (include/edo/detail/frame_alloc.hpp): blocks are reused on the
// allocating thread, come back from frees on other threads (also past the remote stack's
// packed length), overflow to the global pool and back, and survive their thread's exit.
// Under AddressSanitizer the allocator is plain operator new, so only the memory checks run.
#include <edo/detail/frame_alloc.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace {

using edo::detail::frame_alloc;
using edo::detail::frame_cache;
using edo::detail::frame_free;

constexpr std::size_t size = 176;  // a typical task frame

#if defined(EDO_ASAN)
constexpr bool recycles = false;
#else
constexpr bool recycles = true;
#endif

std::vector<void*> alloc_n(std::size_t n, std::size_t sz = size) {
  std::vector<void*> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    void* p = frame_alloc(sz);
    std::memset(p, 0xAB, sz);  // every block is fully writable
    v.push_back(p);
  }
  return v;
}

void free_all(const std::vector<void*>& v, std::size_t sz = size) {
  for (void* p : v) frame_free(p, sz);
}

TEST(FrameAlloc, ReusesTheLastFreedBlock) {
  void* a = frame_alloc(size);
  frame_free(a, size);
  void* b = frame_alloc(size);
  if (recycles) {
    EXPECT_EQ(a, b);
  }
  frame_free(b, size);
}

TEST(FrameAlloc, TinyBlocksHoldTheFreeListLinks) {
  // Sizes up to 32 bytes share one class big enough for a free block's links.
  std::vector<void*> v = alloc_n(1000, 1);
  free_all(v, 1);
  std::vector<void*> w = alloc_n(1000, 16);
  free_all(w, 16);
  if (recycles) {
    EXPECT_EQ(frame_cache::class_of(1), frame_cache::class_of(32));
    EXPECT_GE(frame_cache::size_of(frame_cache::class_of(1)), sizeof(frame_cache::free_block));
  }
}

TEST(FrameAlloc, ManyMoreThanTheCapComeBackDistinct) {
  const std::size_t n = 5 * edo::detail::frame_cache_cap(frame_cache::class_of(size)) + 7;
  for (int round = 0; round < 3; ++round) {
    std::vector<void*> v = alloc_n(n);
    EXPECT_EQ(std::set<void*>(v.begin(), v.end()).size(), n);
    free_all(v);
  }
}

TEST(FrameAlloc, BlocksFreedOnAnotherThreadComeBack) {
  // More than the remote stack's packed length (65,535): the overflow goes to the pool.
  const std::size_t n = 70'000;
  std::vector<void*> v = alloc_n(n);
  std::thread([&] { free_all(v); }).join();
  std::vector<void*> w = alloc_n(n);
  if (recycles) {
    // Every block came back: none carved while the freed ones waited.
    const std::set<void*> freed(v.begin(), v.end());
    std::size_t reused = 0;
    for (void* p : w) reused += freed.count(p);
    EXPECT_EQ(reused, n);
  }
  EXPECT_EQ(std::set<void*>(w.begin(), w.end()).size(), n);
  free_all(w);
}

TEST(FrameAlloc, ConcurrentCrossThreadFrees) {
  // Two threads allocate batches and free each other's, at the same time.
  constexpr std::size_t rounds = 200, batch = 500;
  std::mutex mu;
  std::vector<std::vector<void*>> to[2];
  auto run = [&](int me) {
    for (std::size_t r = 0; r < rounds; ++r) {
      std::vector<void*> mine = alloc_n(batch);
      std::vector<std::vector<void*>> theirs;
      {
        std::lock_guard lock(mu);
        to[1 - me].push_back(std::move(mine));
        theirs.swap(to[me]);
      }
      for (const auto& v : theirs) free_all(v);
    }
  };
  std::thread t0(run, 0), t1(run, 1);
  t0.join();
  t1.join();
  for (auto& side : to) {
    for (const auto& v : side) free_all(v);
  }
  // The threads that owned the blocks are gone: their caches were orphaned and the blocks
  // freed to them wait for an adopter. A new thread adopts one and reuses them.
  std::thread([&] {
    std::vector<void*> v = alloc_n(rounds * batch);
    EXPECT_EQ(std::set<void*>(v.begin(), v.end()).size(), rounds * batch);
    free_all(v);
  }).join();
}

TEST(FrameAlloc, BlocksOutliveTheirThread) {
  std::vector<void*> v;
  std::thread([&] { v = alloc_n(3000); }).join();
  // Freed here after their owner exited (its cache is orphaned).
  free_all(v);
  std::thread([&] { free_all(alloc_n(3000)); }).join();
  std::vector<void*> w = alloc_n(3000);
  free_all(w);
}

}  // namespace
