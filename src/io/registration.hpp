// scheduled_io — the driver's side of one registered fd — and the slab that holds them.
//
// Fields and who touches them:
//  * state_ (io_registration): readiness | shutdown | tick. The driver ORs edges in under
//    lock_; operations clear bits lock-free with a CAS that checks the tick.
//  * lock_ guards generation_ and the waiter list (head_, tail_, each waiter's links and
//    linked_). Critical sections are a few pointer moves; wakes run after unlocking.
//  * generation_ is bumped when the slot is released: an edge the kernel reported for the
//    previous fd (its token carries the old generation) is then ignored, so a recycled slot
//    never inherits stale readiness (a stale read_closed bit would make waits spin).
//
// Lifetime: slots live in pages that are freed only with the driver, so the driver may touch
// a slot named by any token at any time; the generation decides whether the edge applies.
// The driver itself lives while the runtime or any registration holds a reference.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include <edo/detail/config.hpp>
#include <edo/detail/io.hpp>

#include "runtime/spin_lock.hpp"

namespace edo::detail {

class io_driver;

struct alignas(cache_line) scheduled_io : io_registration {
  spin_lock lock_;
  std::uint32_t generation_ = 0;  // guarded by lock_
  std::uint32_t index_ = 0;       // slot number (constant)
  std::uint32_t next_free_ = 0;   // free-list link (slab's mutex)
  io_waiter* head_ = nullptr;     // guarded by lock_
  io_waiter* tail_ = nullptr;     // guarded by lock_
  io_driver* driver_ = nullptr;   // constant

  // The token of the current registration: generation and slot.
  std::uint64_t token() const noexcept {
    return (static_cast<std::uint64_t>(generation_) << 32) | index_;
  }
  void link(io_waiter* w) noexcept {
    w->prev_ = tail_;
    w->next_ = nullptr;
    if (tail_ != nullptr) {
      tail_->next_ = w;
    } else {
      head_ = w;
    }
    tail_ = w;
    w->linked_ = true;
  }
  void unlink(io_waiter* w) noexcept {
    if (w->prev_ != nullptr) {
      w->prev_->next_ = w->next_;
    } else {
      head_ = w->next_;
    }
    if (w->next_ != nullptr) {
      w->next_->prev_ = w->prev_;
    } else {
      tail_ = w->prev_;
    }
    w->prev_ = w->next_ = nullptr;
    w->linked_ = false;
  }
};
static_assert(sizeof(scheduled_io) == cache_line, "one registration per cache line");

// Slots in pages of page_slots, never moved or freed before the slab: a token's slot is
// found without a lock (pages_ entries are published with release).
class io_slab {
 public:
  static constexpr std::uint32_t page_slots = 256;
  static constexpr std::uint32_t max_pages = 1u << 12;  // 1M registrations (32 KiB of pointers)

  explicit io_slab(io_driver* owner)
      : owner_(owner), pages_(new std::atomic<scheduled_io*>[max_pages]) {
    // ordering: relaxed: the slab is not shared yet.
    for (std::uint32_t i = 0; i < max_pages; ++i) {
      pages_[i].store(nullptr, std::memory_order_relaxed);
    }
  }
  ~io_slab();
  io_slab(const io_slab&) = delete;
  io_slab& operator=(const io_slab&) = delete;

  // A free slot (its generation already advanced past any previous use). Throws
  // std::bad_alloc, or std::system_error(EMFILE) when every slot is in use.
  scheduled_io* alloc();
  void free(scheduled_io* s) noexcept;
  // The slot `index` (any thread), or null if no such page exists.
  scheduled_io* get(std::uint32_t index) const noexcept {
    const std::uint32_t page = index / page_slots;
    if (page >= max_pages) return nullptr;
    // ordering: acquire pairs with alloc()'s release publication of the page.
    scheduled_io* p = pages_[page].load(std::memory_order_acquire);
    return p == nullptr ? nullptr : p + index % page_slots;
  }
  // Slots handed out so far (an upper bound for iteration).
  std::uint32_t high_water() const noexcept {
    // ordering: acquire pairs with alloc()'s release store: slots below it are constructed.
    return fresh_.load(std::memory_order_acquire);
  }

 private:
  static constexpr std::uint32_t none = 0xffffffffu;
  io_driver* owner_;
  std::mutex mu_;
  std::unique_ptr<std::atomic<scheduled_io*>[]> pages_;
  // ordering: release after a page is published; read with acquire by high_water().
  std::atomic<std::uint32_t> fresh_{0};  // slots [0, fresh_) have been handed out once
  std::uint32_t free_head_ = none;       // guarded by mu_
};

}  // namespace edo::detail
