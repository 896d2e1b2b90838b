// edo::sync::send_result<T> — the outcome of sending on an edo::sync channel (mpsc,
// oneshot, broadcast, watch): success, or the value back with the reason it was rejected
// (Tokio's SendError(value) / TrySendError::{Full, Closed}(value)).
//
//   if (auto r = co_await tx.send(std::move(msg)); !r) {
//     // r.is_closed(): the receiver is gone; the message is r.value()
//     log_dropped(std::move(r).into_inner());
//   }
//
// A rejected value is never dropped silently: it is in the result.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <utility>

namespace edo::sync {

enum class send_status : std::uint8_t {
  ok,      // sent
  full,    // try_send: no room now (the value is returned)
  closed,  // the receiving side is gone or closed (the value is returned)
};

template <class T>
class [[nodiscard]] send_result {
 public:
  // Success.
  send_result() noexcept = default;
  // Rejected with `value` (status full or closed).
  send_result(send_status s, T&& value) noexcept(std::is_nothrow_move_constructible_v<T>)
      : status_(s), rejected_(std::move(value)) {}

  bool ok() const noexcept { return status_ == send_status::ok; }
  explicit operator bool() const noexcept { return ok(); }
  bool is_full() const noexcept { return status_ == send_status::full; }
  bool is_closed() const noexcept { return status_ == send_status::closed; }
  send_status status() const noexcept { return status_; }

  // The rejected value. Precondition: !ok().
  T& value() & noexcept { return checked(); }
  const T& value() const& noexcept { return const_cast<send_result*>(this)->checked(); }
  T into_inner() && noexcept(std::is_nothrow_move_constructible_v<T>) {
    return std::move(checked());
  }

 private:
  T& checked() noexcept {
    if (!rejected_) std::abort();  // precondition: a rejected send
    return *rejected_;
  }

  send_status status_ = send_status::ok;
  std::optional<T> rejected_;
};

}  // namespace edo::sync
