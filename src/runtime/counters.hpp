// Per-worker counters behind runtime::metrics(): written by their worker with relaxed
// stores (no read-modify-write: only the owner writes), read by anyone.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <edo/metrics.hpp>

namespace edo::detail {

struct worker_counters {
  std::atomic<std::uint64_t> poll_count{0};
  std::atomic<std::uint64_t> steal_count{0};
  std::atomic<std::uint64_t> steal_operations{0};
  std::atomic<std::uint64_t> park_count{0};
  std::atomic<std::uint64_t> noop_count{0};
  std::atomic<std::uint64_t> overflow_count{0};
  std::atomic<std::uint64_t> busy_ns{0};
  std::atomic<std::uint64_t> local_schedule_count{0};

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    // ordering: a statistic; only its worker writes it.
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

inline void fill(worker_metrics& m, const worker_counters& c) noexcept {
  m.poll_count = c.poll_count.load(std::memory_order_relaxed);
  m.steal_count = c.steal_count.load(std::memory_order_relaxed);
  m.steal_operations = c.steal_operations.load(std::memory_order_relaxed);
  m.park_count = c.park_count.load(std::memory_order_relaxed);
  m.noop_count = c.noop_count.load(std::memory_order_relaxed);
  m.overflow_count = c.overflow_count.load(std::memory_order_relaxed);
  m.local_schedule_count = c.local_schedule_count.load(std::memory_order_relaxed);
  m.busy_duration = std::chrono::nanoseconds(c.busy_ns.load(std::memory_order_relaxed));
}

}  // namespace edo::detail
