// Hierarchical timing wheel: 6 levels of 64 slots, 1 ms resolution (level L slots span
// 64^L ms; the wheel spans 2^36 ms, about 2.2 years; farther deadlines park in the last
// level and are re-inserted as time advances). The algorithm is Tokio's
// (runtime/time/wheel/mod.rs): an entry goes to the level of the highest 6-bit group in
// which its deadline differs from `elapsed`; processing a slot either fires its entries or
// cascades them to a lower level.
//
// Insert and remove are O(1); next_expiration() is O(levels) with one bit scan per level.
// Not thread-safe: the owning timer_queue's lock guards it.
#pragma once

#include <cstdint>
#include <optional>

#include <edo/detail/timer_entry.hpp>

namespace edo::detail {

class timer_wheel {
 public:
  static constexpr int levels = 6;
  static constexpr int slots = 64;
  static constexpr std::uint64_t max_duration = (std::uint64_t{1} << (6 * levels)) - 1;

  struct expiration {
    int level;
    int slot;
    std::uint64_t deadline;
  };

  std::uint64_t elapsed() const noexcept { return elapsed_; }
  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }

  // Adds `e` (requires e->when_ > elapsed()).
  void insert(timer_entry* e) noexcept;
  // Unlinks a registered entry.
  void remove(timer_entry* e) noexcept;
  // The next slot to process, if any.
  std::optional<expiration> next_expiration() const noexcept;
  // Moves the wheel to `now`; every entry whose deadline is <= now is unlinked and pushed
  // onto `fired` (linked through next_).
  void advance(std::uint64_t now, timer_entry*& fired) noexcept;

 private:
  static int level_for(std::uint64_t elapsed, std::uint64_t when) noexcept;
  void link(timer_entry* e, int level) noexcept;

  std::uint64_t elapsed_ = 0;
  std::size_t count_ = 0;
  std::uint64_t occupied_[levels] = {};
  timer_entry* heads_[levels][slots] = {};
};

}  // namespace edo::detail
