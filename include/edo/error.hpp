// edo's error types.
//
// Outcomes that are part of normal control flow are values (a closed channel is an empty
// std::optional, an elapsed timeout an empty timeout_result, EOF a 0-byte read). Errors are
// exceptions: std::system_error for I/O, edo::join_error from awaiting a join_handle whose
// task threw or was cancelled, edo::no_runtime when a driver is used with no runtime.
#pragma once

#include <compare>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>

#include <edo/detail/config.hpp>

namespace edo {

// Identifies a task for the lifetime of its runtime (never reused).
class task_id {
 public:
  constexpr task_id() noexcept = default;
  constexpr explicit task_id(std::uint64_t v) noexcept : v_(v) {}
  constexpr std::uint64_t value() const noexcept { return v_; }
  friend constexpr auto operator<=>(task_id, task_id) noexcept = default;

 private:
  std::uint64_t v_ = 0;
};

// Names the outcome of a task ended by cancellation (abort, shutdown, a lost select).
// Never thrown through user frames: it appears only inside join_error.
struct cancelled_t {
  explicit cancelled_t() = default;
};
inline constexpr cancelled_t cancelled{};

// Thrown by awaiting a join_handle whose task did not return a value.
class EDO_API join_error : public std::runtime_error {
 public:
  join_error(task_id id, cancelled_t);
  join_error(task_id id, std::exception_ptr panic);

  // The task was cancelled (abort(), runtime shutdown) before it returned.
  bool is_cancelled() const noexcept { return !panic_; }
  // The task ended with an exception; exception() is the original.
  bool is_panic() const noexcept { return static_cast<bool>(panic_); }
  const std::exception_ptr& exception() const noexcept { return panic_; }
  // Rethrows the original exception (precondition: is_panic()).
  [[noreturn]] void rethrow() const { std::rethrow_exception(panic_); }
  task_id id() const noexcept { return id_; }

 private:
  task_id id_;
  std::exception_ptr panic_;
};

// A driver (time, I/O, signals, processes) or spawn was used where no runtime provides it.
class EDO_API no_runtime : public std::logic_error {
 public:
  explicit no_runtime(const std::string& what) : std::logic_error(what) {}
};

}  // namespace edo
