// Helpers for the edo::sync tests: cancelling an operation with edo::select, running
// plain std::threads that block_on their own tasks, and counting live objects.
#pragma once

#include <edo/block_on.hpp>
#include <edo/join.hpp>
#include <edo/select.hpp>
#include <edo/task.hpp>
#include <edo/yield.hpp>

#include <atomic>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

namespace edo_test {

// A branch that wins a select at the next run (after every other branch got to suspend).
inline edo::task<int> next_run() {
  co_await edo::yield_now();
  co_return -1;
}

// Awaits `a` in a select against next_run(): true if `a` completed first, false if it was
// still waiting and got cancelled.
template <class A>
edo::task<bool> completes_before_next_run(A&& a) {
  auto r = co_await edo::select(std::forward<A>(a), next_run());
  co_return r.index() == 0;
}

// Runs `n` std::threads, each calling f(i); joins them.
template <class F>
void run_threads(int n, F f) {
  std::vector<std::thread> ts;
  ts.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ts.emplace_back([&f, i] { f(i); });
  for (auto& t : ts) t.join();
}

// Counts live instances (copies and moves included).
struct counted {
  static inline std::atomic<int> alive{0};
  int v = 0;
  counted() { ++alive; }
  explicit counted(int x) : v(x) { ++alive; }
  counted(const counted& o) : v(o.v) { ++alive; }
  counted(counted&& o) noexcept : v(o.v) { ++alive; }
  counted& operator=(const counted&) = default;
  counted& operator=(counted&&) noexcept = default;
  ~counted() { --alive; }
};

}  // namespace edo_test
