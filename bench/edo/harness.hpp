// The WORKLOADS.md harness for edo_bench: arguments, SCALE, warm-up + median of five,
// result lines, and the idle_tasks_mem child process. The same rules as the peers'
// (bench/peers/common/harness.rs), so the numbers compare.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <edo/runtime.hpp>

namespace edo_bench {

enum class flavor { mt, ct };

inline constexpr std::uint64_t yield_tasks = 200;
inline constexpr std::uint64_t ping_pong_pairs = 100;
inline constexpr std::uint64_t producers = 8;
inline constexpr std::size_t mpsc_capacity = 1024;
inline constexpr std::uint64_t tcp_clients = 50;
inline constexpr std::size_t tcp_msg = 64;
inline constexpr std::uint32_t timers_seed = 2463534242u;

struct sizes {
  std::uint64_t spawn_tasks, yields_per_task, round_trips_per_pair, chain_depth, msgs_per_producer,
      timers, timeout_iters, tcp_round_trips_per_client, idle_tasks;
};
sizes scaled_sizes();

inline std::uint64_t xorshift_ms(std::uint32_t& x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return 1 + x % 100;
}

struct run {
  std::uint64_t n;
  std::chrono::nanoseconds elapsed;
};

const char* flavor_name(flavor f);
edo::runtime build_runtime(flavor f);

// Runs `one` once for warm-up and five times, then prints the median run's line.
void bench(const std::string& workload, flavor f, const std::function<run()>& one);
std::string result_line(const std::string& workload, flavor f, std::uint64_t n,
                        std::chrono::nanoseconds elapsed, const std::string& extra);
void emit(const std::string& line);

// idle_tasks_mem helpers.
void reset_hwm();
std::uint64_t vm_hwm_bytes();
void run_idle_child(const char* argv0, flavor f);

}  // namespace edo_bench
