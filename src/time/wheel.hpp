// Hierarchical timing wheel with a wide first level. Level 0 is a window of 1,024 one-ms
// slots: an entry due within 1,024 ms of `elapsed` sits in slot `when % 1024`, and every
// entry of a slot is due at the same tick. Farther deadlines go to levels 1..5 (64 slots
// each, level L slots spanning 64^L ms; the wheel spans 2^36 ms, about 2.2 years; farther
// deadlines park in the last level and are re-inserted as time advances), placed as in
// Tokio's wheel (runtime/time/wheel/mod.rs): by the highest 6-bit group in which the
// deadline differs from `elapsed`; processing such a slot cascades its entries to a lower
// level. Tokio's level 0 has 64 slots, so a 1–100 ms timer usually crosses a 64 ms boundary,
// waits at level 1 and is re-linked once more before it fires: a cache miss on a cold frame
// per timer (timer_wheel::advance was 19% of the timers benchmark). With the window, timers
// under a second are linked once and fired once.
//
// Insert and remove are O(1); next_expiration() scans the window's 16 occupancy words and
// one word per higher level, and returns the earliest slot over all levels (a level-1 slot
// can start before the last entries of the window; on a tie the coarser slot goes first, and
// a coarser level's current slot — its range begun while the window advanced — is due now).
// Deadlines beyond the span are placed in the top level's last slot of the turn, never its
// current one (where Tokio's layout would read them as a full turn ahead and hide the top
// level's earlier slots). tests/time_wheel.cpp checks all of it against a brute-force model.
// Not thread-safe: the owning timer_queue's lock guards it.
#pragma once

#include <cstdint>
#include <optional>

#include <edo/detail/timer_entry.hpp>

namespace edo::detail {

class timer_wheel {
 public:
  static constexpr int window = 1024;  // level 0 slots (ms)
  static constexpr int levels = 6;     // level 0 and five 64-slot levels
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
  static constexpr int window_words = window / 64;
  // timer_entry::slot_: the window's slot, or window + (level - 1) * 64 + slot.
  static constexpr unsigned code(int level, int slot) noexcept {
    return level == 0 ? static_cast<unsigned>(slot)
                      : static_cast<unsigned>(window + (level - 1) * slots + slot);
  }

  static int level_for(std::uint64_t elapsed, std::uint64_t when) noexcept;
  std::uint64_t placed_at(std::uint64_t when) const noexcept;
  void link(timer_entry* e, int level) noexcept;
  timer_entry*& head(int level, int slot) noexcept {
    return level == 0 ? window_[slot] : heads_[level][slot];
  }
  void set_occupied(int level, int slot) noexcept;
  void clear_occupied(int level, int slot) noexcept;
  std::optional<expiration> next_in_window() const noexcept;

  std::uint64_t elapsed_ = 0;
  std::size_t count_ = 0;
  std::size_t window_count_ = 0;
  std::uint64_t window_occupied_[window_words] = {};
  timer_entry* window_[window] = {};
  std::uint64_t occupied_[levels] = {};     // [0] unused
  timer_entry* heads_[levels][slots] = {};  // [0] unused
};

}  // namespace edo::detail
