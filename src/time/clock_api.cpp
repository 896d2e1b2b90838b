// edo::time::pause / resume / advance (include/edo/time/clock.hpp).
#include <edo/detail/runtime_api.hpp>
#include <edo/error.hpp>
#include <edo/time/clock.hpp>

#include <string>

#include "runtime/context.hpp"
#include "time/driver.hpp"

namespace edo::detail {
namespace {

time_driver& current_driver(const char* what) {
  runtime_context& rt = current_runtime(what);
  if (rt.time() == nullptr) {
    throw no_runtime(std::string(what) + ": the runtime was built without a time driver");
  }
  return *rt.time();
}

}  // namespace

void advance_clock(std::chrono::nanoseconds d) {
  time_driver& drv = current_driver("edo::time::advance");
  drv.clock().advance(d);
  drv.process();
}

}  // namespace edo::detail

namespace edo::time {

void pause() {
  detail::current_driver("edo::time::pause").clock().pause();
}
void resume() {
  detail::current_driver("edo::time::resume").clock().resume();
}
bool is_paused() {
  return detail::current_driver("edo::time::is_paused").clock().paused();
}

}  // namespace edo::time
