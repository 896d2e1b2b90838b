// edo::time::instant — a point on the runtime's monotonic clock.
//
// Like std::chrono::steady_clock::time_point, but instant::now() follows the current
// runtime's clock: when time is paused (start_paused, edo::time::pause) it stands still
// and moves only with edo::time::advance or auto-advance. `b - a` is a
// std::chrono::nanoseconds; `a + d` an instant.
#pragma once

#include <chrono>
#include <compare>

#include <edo/detail/runtime_api.hpp>

namespace edo::time {

using duration = std::chrono::nanoseconds;

class instant {
 public:
  using clock = std::chrono::steady_clock;

  constexpr instant() noexcept = default;
  constexpr explicit instant(clock::time_point tp) noexcept : tp_(tp) {}

  static instant now() noexcept { return instant(detail::clock_now()); }

  // Time since this instant (zero if it is in the future).
  duration elapsed() const noexcept {
    const auto d = now() - *this;
    return d.count() > 0 ? d : duration::zero();
  }
  constexpr clock::time_point time_point() const noexcept { return tp_; }

  template <class Rep, class Period>
  constexpr instant& operator+=(std::chrono::duration<Rep, Period> d) noexcept {
    tp_ += std::chrono::duration_cast<clock::duration>(d);
    return *this;
  }
  template <class Rep, class Period>
  constexpr instant& operator-=(std::chrono::duration<Rep, Period> d) noexcept {
    tp_ -= std::chrono::duration_cast<clock::duration>(d);
    return *this;
  }
  template <class Rep, class Period>
  friend constexpr instant operator+(instant a, std::chrono::duration<Rep, Period> d) noexcept {
    return a += d;
  }
  template <class Rep, class Period>
  friend constexpr instant operator-(instant a, std::chrono::duration<Rep, Period> d) noexcept {
    return a -= d;
  }
  friend constexpr duration operator-(instant a, instant b) noexcept {
    return std::chrono::duration_cast<duration>(a.tp_ - b.tp_);
  }
  friend constexpr auto operator<=>(instant, instant) noexcept = default;

 private:
  clock::time_point tp_{};
};

}  // namespace edo::time
