// The per-thread state block (include/edo/detail/context.hpp).
#include <edo/detail/context.hpp>

#include <utility>

namespace edo::detail {

constinit thread_local thread_context tls;

__attribute__((noinline)) thread_context& this_thread_context() noexcept {
  return tls;
}

run_end_deferral defer_to_run_end(void (*fn)(void*) noexcept, void* arg) noexcept {
  thread_context& ctx = tls;
  if (ctx.current_task == nullptr) return run_end_deferral::now;
  if (ctx.run_end_fn == fn && ctx.run_end_arg == arg) return run_end_deferral::pending;
  run_end_actions();
  ctx.run_end_fn = fn;
  ctx.run_end_arg = arg;
  return run_end_deferral::added;
}

void run_end_actions() noexcept {
  thread_context& ctx = tls;
  if (void (*fn)(void*) noexcept = ctx.run_end_fn) {
    ctx.run_end_fn = nullptr;
    fn(std::exchange(ctx.run_end_arg, nullptr));
  }
}

}  // namespace edo::detail
