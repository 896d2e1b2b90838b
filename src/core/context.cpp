// The per-thread state block (include/edo/detail/context.hpp).
#include <edo/detail/context.hpp>

namespace edo::detail {

constinit thread_local thread_context tls;

}  // namespace edo::detail
