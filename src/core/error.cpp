// Messages of edo's error types.
#include <edo/error.hpp>

namespace edo {
namespace {

std::string describe(std::uint64_t id, const std::exception_ptr& e) {
  std::string msg = "task " + std::to_string(id) + " failed: ";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    msg += ex.what();
  } catch (...) {
    msg += "an exception that is not a std::exception";
  }
  return msg;
}

}  // namespace

join_error::join_error(task_id id, cancelled_t)
    : std::runtime_error("task " + std::to_string(id.value()) + " was cancelled"), id_(id) {}

join_error::join_error(task_id id, std::exception_ptr panic)
    : std::runtime_error(describe(id.value(), panic)), id_(id), panic_(std::move(panic)) {}

}  // namespace edo
