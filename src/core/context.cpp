// The per-thread state block (include/edo/detail/context.hpp).
#include <edo/detail/context.hpp>

namespace edo::detail {

constinit thread_local thread_context tls;

__attribute__((noinline)) thread_context& this_thread_context() noexcept {
  return tls;
}

}  // namespace edo::detail
