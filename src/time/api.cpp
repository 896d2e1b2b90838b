// The time half of runtime_api.hpp.
#include <edo/detail/context.hpp>
#include <edo/detail/runtime_api.hpp>

#include "runtime/context.hpp"
#include "time/driver.hpp"

namespace edo::detail {

bool timer_arm(timer_queue& q, timer_entry& e, clock_time deadline) noexcept {
  return q.arm(e, q.driver().deadline_tick(deadline));
}

bool timer_cancel(timer_entry& e) noexcept {
  timer_queue* q = e.queue_;
  return q != nullptr && q->cancel(e);
}

clock_time clock_now() noexcept {
  runtime_context* rt = tls.runtime;
  if (rt != nullptr && rt->time() != nullptr) return rt->time()->clock().now();
  return std::chrono::steady_clock::now();
}

}  // namespace edo::detail
