// The timer wheel (src/time/wheel.hpp) against a brute-force model: random deadlines in the
// 1,024-slot window, in every coarser level and beyond the wheel's span, random cancels and
// random advances (single ticks, exact deadlines, long jumps). Every entry fires at the
// first advance whose `now` reaches its deadline — never earlier, never later, never twice —
// and next_expiration() never lies past the earliest live deadline.
#include "time/wheel.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using edo::detail::timer_entry;
using edo::detail::timer_wheel;

struct model {
  std::vector<timer_entry> entries;
  std::vector<std::uint8_t> state;  // 0 idle, 1 in the wheel, 2 fired
  explicit model(std::size_t n) : entries(n), state(n, 0) {}
  std::size_t index(const timer_entry* e) const {
    return static_cast<std::size_t>(e - entries.data());
  }
};

std::uint64_t random_delay(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      return 1 + rng() % 64;  // Tokio's level 0
    case 1:
    case 2:
      return 1 + rng() % 1023;  // the window
    case 3:
      return 1000 + rng() % 5000;  // around the window's edge
    case 4:
      return 1 + rng() % 300'000;  // levels 1-3
    case 5:
      return 1 + rng() % (std::uint64_t{1} << 30);  // levels 4-5
    case 6:
      return (std::uint64_t{1} << 36) + rng() % 1000;  // beyond the span
    default:
      return 1 + rng() % 200;
  }
}

void run(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  model m(2000);
  timer_wheel w;
  std::uint64_t now = 0;
  std::size_t live = 0;
  auto arm = [&](std::size_t i) {
    m.entries[i].when_ = now + random_delay(rng);
    w.insert(&m.entries[i]);
    m.state[i] = 1;
    ++live;
  };
  for (std::size_t i = 0; i < m.entries.size(); ++i) arm(i);
  for (int step = 0; step < 1500 && live > 0; ++step) {
    // The wheel must not skip the earliest live deadline.
    std::uint64_t earliest = UINT64_MAX;
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      if (m.state[i] == 1 && m.entries[i].when_ < earliest) earliest = m.entries[i].when_;
    }
    const auto exp = w.next_expiration();
    ASSERT_TRUE(exp.has_value());
    ASSERT_LE(exp->deadline, earliest) << "seed " << seed << " step " << step;

    // Advance: one tick, exactly to the earliest deadline, or a jump.
    switch (rng() % 4) {
      case 0:
        now += 1;
        break;
      case 1:
        now = earliest;
        break;
      case 2:
        now += rng() % 2000;
        break;
      default:
        now = earliest + rng() % (std::uint64_t{1} << (rng() % 40));
        break;
    }
    timer_entry* fired = nullptr;
    w.advance(now, fired);
    for (timer_entry* e = fired; e != nullptr; e = e->next_) {
      const std::size_t i = m.index(e);
      ASSERT_EQ(m.state[i], 1) << "fired twice or never armed";
      ASSERT_LE(e->when_, now) << "fired early";
      m.state[i] = 2;
      --live;
    }
    for (std::size_t i = 0; i < m.entries.size(); ++i) {
      ASSERT_FALSE(m.state[i] == 1 && m.entries[i].when_ <= now)
          << "seed " << seed << " step " << step << ": entry " << i << " due at "
          << m.entries[i].when_ << " still waiting at " << now;
    }
    ASSERT_EQ(w.size(), live);
    // Random cancels and re-arms.
    for (int k = 0; k < 20; ++k) {
      const std::size_t i = rng() % m.entries.size();
      if (m.state[i] == 1) {
        w.remove(&m.entries[i]);
        m.state[i] = 0;
        --live;
      } else {
        arm(i);
      }
    }
  }
}

TEST(TimerWheel, MatchesABruteForceModel) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) run(seed);
}

TEST(TimerWheel, WindowSlotsFireInOrderWithoutCascading) {
  // 1..1023 ms ahead: one pass in deadline order.
  std::vector<timer_entry> es(1023);
  timer_wheel w;
  for (std::size_t i = 0; i < es.size(); ++i) {
    es[i].when_ = 1023 - i;
    w.insert(&es[i]);
  }
  std::uint64_t last = 0;
  for (std::uint64_t now = 1; now <= 1023; ++now) {
    timer_entry* fired = nullptr;
    w.advance(now, fired);
    ASSERT_NE(fired, nullptr);
    ASSERT_EQ(fired->next_, nullptr);
    ASSERT_EQ(fired->when_, now);
    ASSERT_GT(fired->when_, last);
    last = fired->when_;
  }
  EXPECT_TRUE(w.empty());
}

}  // namespace
