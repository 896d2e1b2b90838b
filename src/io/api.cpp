// The out-of-line half of <edo/detail/io.hpp>'s readiness protocol, and current_io_driver().
#include <string>
#include <system_error>

#include <edo/detail/context.hpp>
#include <edo/detail/io.hpp>
#include <edo/error.hpp>

#include "io/driver.hpp"
#include "runtime/context.hpp"

namespace edo::detail {

namespace {
scheduled_io* slot(io_registration* r) noexcept {
  return static_cast<scheduled_io*>(r);
}
}  // namespace

bool io_register_waiter(io_registration* r, io_waiter& w) noexcept {
  scheduled_io* s = slot(r);
  std::lock_guard lock(s->lock_);
  // Under the lock: the driver sets readiness and takes waiters under it too, so an edge
  // is either visible here or finds the waiter linked.
  // ordering: relaxed: the lock orders this read after the driver's last update.
  const std::uint64_t st = s->state_.load(std::memory_order_relaxed);
  if ((st & (ready_mask(w.interest_) | io_state::shutdown)) != 0) return false;
  s->link(&w);
  return true;
}

bool io_cancel_waiter(io_registration* r, io_waiter& w) noexcept {
  scheduled_io* s = slot(r);
  std::lock_guard lock(s->lock_);
  if (!w.linked_) return false;  // the driver took it: the wake is coming
  s->unlink(&w);
  return true;
}

void io_clear_readiness(io_registration* r, std::uint64_t seen, std::uint8_t bits) noexcept {
  // ordering: relaxed: the CAS below re-reads the value it replaces.
  std::uint64_t cur = r->state_.load(std::memory_order_relaxed);
  // Clear only while the tick is the one the caller saw before its system call: an edge
  // that arrived since (a new tick) must stay visible.
  while ((cur & io_state::tick_bits) == (seen & io_state::tick_bits)) {
    // ordering: relaxed suffices: clearing publishes nothing; the driver's release CAS and
    // this CAS are ordered on the one atomic.
    if (r->state_.compare_exchange_weak(cur, cur & ~static_cast<std::uint64_t>(bits),
                                        std::memory_order_relaxed, std::memory_order_relaxed)) {
      return;
    }
  }
}

void throw_io_shutdown() {
  throw std::system_error(ECANCELED, std::generic_category(),
                          "edo: the runtime this I/O resource was registered with has shut down");
}

io_driver& current_io_driver(const char* what) {
  runtime_context* rt = tls.runtime;
  if (rt == nullptr || rt->io() == nullptr) {
    throw no_runtime(
        std::string(what) +
        (rt == nullptr
             ? ": there is no reactor running; call it from a task running on an edo::runtime "
               "with I/O enabled (builder .enable_io() or .enable_all(); EDO_MAIN and edo::run "
               "enable it). edo::block_on drives no I/O."
             : ": the runtime was built without the I/O driver; enable it with .enable_io() or "
               ".enable_all() on its builder."));
  }
  return *rt->io();
}

}  // namespace edo::detail
