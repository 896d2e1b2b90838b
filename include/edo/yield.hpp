// edo::yield_now — let the other tasks of this thread run, then continue.
//
//   for (auto& item : big_batch) { process(item); co_await edo::yield_now(); }
//
// The task goes to the back of its worker's run queue; it costs no atomic operation.
// Under edo::block_on (one task) it returns at once. Cancellation safe: a task aborted
// while yielded is torn down at this await.
#pragma once

#include <coroutine>
#include <string>

#include <edo/leaf.hpp>

namespace edo {

class yield_awaitable final : public leaf {
 public:
  bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    complete_now();
  }
  void await_resume() const noexcept {}
  void describe(std::string& out) const override { out += "edo::yield_now"; }

 private:
  bool cancel() noexcept override { return false; }  // already queued for the next run
};

[[nodiscard]] inline yield_awaitable yield_now() noexcept {
  return {};
}

}  // namespace edo
