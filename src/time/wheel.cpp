// Hierarchical timing wheel (see wheel.hpp).
#include "time/wheel.hpp"

#include <bit>
#include <cassert>

namespace edo::detail {
namespace {

constexpr std::uint64_t slot_range(int level) noexcept {
  return std::uint64_t{1} << (6 * level);
}
constexpr std::uint64_t level_range(int level) noexcept {
  return std::uint64_t{1} << (6 * (level + 1));
}
constexpr int slot_for(std::uint64_t when, int level) noexcept {
  return level == 0 ? static_cast<int>(when & (timer_wheel::window - 1))
                    : static_cast<int>((when >> (6 * level)) & 63);
}

}  // namespace

int timer_wheel::level_for(std::uint64_t elapsed, std::uint64_t when) noexcept {
  if (when - elapsed < window) return 0;
  std::uint64_t masked = (elapsed ^ when) | 63;
  if (masked >= max_duration) masked = max_duration - 1;
  const int significant = 63 - std::countl_zero(masked);
  // At least 1024 ms apart, they differ above bit 9: level >= 1.
  return significant / 6;
}

void timer_wheel::set_occupied(int level, int slot) noexcept {
  if (level == 0) {
    window_occupied_[slot >> 6] |= std::uint64_t{1} << (slot & 63);
  } else {
    occupied_[level] |= std::uint64_t{1} << slot;
  }
}

void timer_wheel::clear_occupied(int level, int slot) noexcept {
  if (level == 0) {
    window_occupied_[slot >> 6] &= ~(std::uint64_t{1} << (slot & 63));
  } else {
    occupied_[level] &= ~(std::uint64_t{1} << slot);
  }
}

std::uint64_t timer_wheel::placed_at(std::uint64_t when) const noexcept {
  // Beyond the wheel's span a deadline would land in the top level's current slot, whose
  // start is behind `elapsed`: read as a full turn ahead, it would hide the top level's
  // earlier slots (a timer due in two weeks waited for one due in three years). Such an
  // entry goes to the top level's last slot of the turn instead, and is placed again when
  // that slot comes up.
  const std::uint64_t horizon = elapsed_ + max_duration - slot_range(levels - 1);
  return when < horizon ? when : horizon;
}

void timer_wheel::link(timer_entry* e, int level) noexcept {
  const int slot = slot_for(placed_at(e->when_), level);
  timer_entry*& h = head(level, slot);
  e->prev_ = nullptr;
  e->next_ = h;
  if (h != nullptr) h->prev_ = e;
  h = e;
  e->slot_ = code(level, slot);
  set_occupied(level, slot);
  if (level == 0) ++window_count_;
}

void timer_wheel::insert(timer_entry* e) noexcept {
  assert(e->when_ > elapsed_);
  link(e, level_for(elapsed_, placed_at(e->when_)));
  ++count_;
}

void timer_wheel::remove(timer_entry* e) noexcept {
  const unsigned c = e->slot_;
  const int level = c < window ? 0 : 1 + static_cast<int>((c - window) / slots);
  const int slot = c < window ? static_cast<int>(c) : static_cast<int>((c - window) % slots);
  timer_entry*& h = head(level, slot);
  if (e->prev_ != nullptr) {
    e->prev_->next_ = e->next_;
  } else {
    h = e->next_;
  }
  if (e->next_ != nullptr) e->next_->prev_ = e->prev_;
  if (h == nullptr) clear_occupied(level, slot);
  if (level == 0) --window_count_;
  e->prev_ = e->next_ = nullptr;
  --count_;
}

std::optional<timer_wheel::expiration> timer_wheel::next_in_window() const noexcept {
  if (window_count_ == 0) return std::nullopt;
  // Every entry of the window is due in [elapsed, elapsed + window): the first occupied
  // slot at or after elapsed's, circularly.
  const int now_slot = static_cast<int>(elapsed_ & (window - 1));
  int w = now_slot >> 6;
  std::uint64_t bits = window_occupied_[w] & (~std::uint64_t{0} << (now_slot & 63));
  for (int k = 0; k <= window_words; ++k) {
    if (bits != 0) {
      const int slot = (w << 6) + std::countr_zero(bits);
      const auto ahead = static_cast<std::uint64_t>((slot - now_slot) & (window - 1));
      return expiration{0, slot, elapsed_ + ahead};
    }
    w = (w + 1) & (window_words - 1);
    bits = window_occupied_[w];
  }
  return std::nullopt;  // unreachable while window_count_ > 0
}

std::optional<timer_wheel::expiration> timer_wheel::next_expiration() const noexcept {
  std::optional<expiration> best = next_in_window();
  for (int level = 1; level < levels; ++level) {
    const std::uint64_t occ = occupied_[level];
    if (occ == 0) continue;
    const auto now_slot = static_cast<int>((elapsed_ / slot_range(level)) % slots);
    const std::uint64_t rotated = std::rotr(occ, now_slot);
    const int slot = (std::countr_zero(rotated) + now_slot) % slots;
    std::uint64_t deadline;
    if (slot == now_slot) {
      // A slot whose range has begun (the window's entries moved `elapsed` into it): its
      // entries are due to be placed again now.
      deadline = elapsed_;
    } else {
      const std::uint64_t level_start = elapsed_ & ~(level_range(level) - 1);
      deadline = level_start + static_cast<std::uint64_t>(slot) * slot_range(level);
      if (deadline < elapsed_) deadline += level_range(level);  // the level's next turn
    }
    // On a tie the coarser slot goes first: its entries may belong before the window's.
    if (!best || deadline <= best->deadline) best = expiration{level, slot, deadline};
  }
  return best;
}

void timer_wheel::advance(std::uint64_t now, timer_entry*& fired) noexcept {
  for (;;) {
    const std::optional<expiration> exp = next_expiration();
    if (!exp || exp->deadline > now) break;
    timer_entry*& h = head(exp->level, exp->slot);
    timer_entry* e = h;
    h = nullptr;
    clear_occupied(exp->level, exp->slot);
    elapsed_ = exp->deadline;
    while (e != nullptr) {
      timer_entry* next = e->next_;
      if (exp->level == 0) --window_count_;
      if (e->when_ <= exp->deadline) {
        e->prev_ = nullptr;
        e->next_ = fired;
        fired = e;
        --count_;
      } else {
        link(e, level_for(elapsed_, placed_at(e->when_)));  // cascade to a finer level
      }
      e = next;
    }
  }
  if (now > elapsed_) elapsed_ = now;
}

}  // namespace edo::detail
