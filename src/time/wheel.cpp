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
  return static_cast<int>((when >> (6 * level)) & 63);
}

}  // namespace

int timer_wheel::level_for(std::uint64_t elapsed, std::uint64_t when) noexcept {
  std::uint64_t masked = (elapsed ^ when) | 63;
  if (masked >= max_duration) masked = max_duration - 1;
  const int significant = 63 - std::countl_zero(masked);
  return significant / levels;
}

void timer_wheel::link(timer_entry* e, int level) noexcept {
  const int slot = slot_for(e->when_, level);
  timer_entry*& head = heads_[level][slot];
  e->prev_ = nullptr;
  e->next_ = head;
  if (head != nullptr) head->prev_ = e;
  head = e;
  e->slot_ = static_cast<std::uint16_t>(level * slots + slot);
  occupied_[level] |= std::uint64_t{1} << slot;
}

void timer_wheel::insert(timer_entry* e) noexcept {
  assert(e->when_ > elapsed_);
  link(e, level_for(elapsed_, e->when_));
  ++count_;
}

void timer_wheel::remove(timer_entry* e) noexcept {
  const int level = e->slot_ / slots;
  const int slot = e->slot_ % slots;
  if (e->prev_ != nullptr) {
    e->prev_->next_ = e->next_;
  } else {
    heads_[level][slot] = e->next_;
  }
  if (e->next_ != nullptr) e->next_->prev_ = e->prev_;
  if (heads_[level][slot] == nullptr) occupied_[level] &= ~(std::uint64_t{1} << slot);
  e->prev_ = e->next_ = nullptr;
  --count_;
}

std::optional<timer_wheel::expiration> timer_wheel::next_expiration() const noexcept {
  for (int level = 0; level < levels; ++level) {
    const std::uint64_t occ = occupied_[level];
    if (occ == 0) continue;
    const auto now_slot = static_cast<int>((elapsed_ / slot_range(level)) % slots);
    const std::uint64_t rotated = std::rotr(occ, now_slot);
    const int slot = (std::countr_zero(rotated) + now_slot) % slots;
    const std::uint64_t level_start = elapsed_ & ~(level_range(level) - 1);
    std::uint64_t deadline = level_start + static_cast<std::uint64_t>(slot) * slot_range(level);
    if (deadline <= elapsed_ && level > 0) {
      // Only the last level wraps (deadlines beyond the wheel's span).
      deadline += level_range(level);
    }
    return expiration{level, slot, deadline};
  }
  return std::nullopt;
}

void timer_wheel::advance(std::uint64_t now, timer_entry*& fired) noexcept {
  for (;;) {
    const std::optional<expiration> exp = next_expiration();
    if (!exp || exp->deadline > now) break;
    timer_entry* e = heads_[exp->level][exp->slot];
    heads_[exp->level][exp->slot] = nullptr;
    occupied_[exp->level] &= ~(std::uint64_t{1} << exp->slot);
    elapsed_ = exp->deadline;
    while (e != nullptr) {
      timer_entry* next = e->next_;
      if (e->when_ <= exp->deadline) {
        e->prev_ = nullptr;
        e->next_ = fired;
        fired = e;
        --count_;
      } else {
        link(e, level_for(elapsed_, e->when_));  // cascade to a finer level
      }
      e = next;
    }
  }
  if (now > elapsed_) elapsed_ = now;
}

}  // namespace edo::detail
