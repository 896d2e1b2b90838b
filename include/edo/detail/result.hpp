// Storage for the outcome of a coroutine or a task: nothing yet, a value, or an exception.
// T may be void (only the exception is stored) or a reference (a pointer is stored).
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace edo::detail {

template <class T>
class result {
  using stored = std::conditional_t<std::is_reference_v<T>, std::add_pointer_t<T>, T>;

 public:
  result() noexcept {}
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  ~result() { reset(); }

  template <class U>
  void set_value(U&& v) {
    if constexpr (std::is_reference_v<T>) {
      ::new (static_cast<void*>(std::addressof(value_))) stored(std::addressof(v));
    } else {
      ::new (static_cast<void*>(std::addressof(value_))) stored(std::forward<U>(v));
    }
    kind_ = kind::value;
  }
  void set_exception(std::exception_ptr e) noexcept {
    ::new (static_cast<void*>(std::addressof(error_))) std::exception_ptr(std::move(e));
    kind_ = kind::error;
  }
  bool has_value() const noexcept { return kind_ == kind::value; }
  bool has_exception() const noexcept { return kind_ == kind::error; }
  bool empty() const noexcept { return kind_ == kind::empty; }

  const std::exception_ptr& exception() const noexcept { return error_; }

  // Moves the value out, or rethrows the exception. Leaves the storage empty.
  T take() {
    if (kind_ == kind::error) {
      std::exception_ptr e = std::move(error_);
      reset();
      std::rethrow_exception(std::move(e));
    }
    if constexpr (std::is_reference_v<T>) {
      T r = static_cast<T>(*value_);
      reset();
      return r;
    } else {
      T r = std::move(value_);
      reset();
      return r;
    }
  }

  // Moves the whole outcome into `other` (which must be empty).
  void move_to(result& other) noexcept(std::is_nothrow_move_constructible_v<stored>) {
    if (kind_ == kind::value) {
      if constexpr (std::is_reference_v<T>) {
        ::new (static_cast<void*>(std::addressof(other.value_))) stored(value_);
        other.kind_ = kind::value;
      } else {
        other.set_value(std::move(value_));
      }
    } else if (kind_ == kind::error) {
      other.set_exception(std::move(error_));
    }
    reset();
  }

  void reset() noexcept {
    if (kind_ == kind::value) {
      if constexpr (!std::is_trivially_destructible_v<stored>) value_.~stored();
    } else if (kind_ == kind::error) {
      error_.~exception_ptr();
    }
    kind_ = kind::empty;
  }

 private:
  enum class kind : std::uint8_t { empty, value, error };
  union {
    stored value_;
    std::exception_ptr error_;
  };
  kind kind_ = kind::empty;
};

template <>
class result<void> {
 public:
  result() noexcept = default;
  result(const result&) = delete;
  result& operator=(const result&) = delete;

  void set_value() noexcept { done_ = true; }
  void set_exception(std::exception_ptr e) noexcept {
    error_ = std::move(e);
    done_ = true;
  }
  bool has_value() const noexcept { return done_ && !error_; }
  bool has_exception() const noexcept { return static_cast<bool>(error_); }
  bool empty() const noexcept { return !done_; }
  const std::exception_ptr& exception() const noexcept { return error_; }

  void take() {
    done_ = false;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }
  void move_to(result& other) noexcept {
    other.error_ = std::exchange(error_, nullptr);
    other.done_ = std::exchange(done_, false);
  }
  void reset() noexcept {
    error_ = nullptr;
    done_ = false;
  }

 private:
  std::exception_ptr error_;
  bool done_ = false;
};

// The outcome of a void coroutine, as its promise keeps it: a coroutine that reached its
// final suspend either returned or threw, so only the exception needs storing (8 bytes
// instead of result<void>'s 16). Same interface as result<void> for its readers.
class void_outcome {
 public:
  void set_value() noexcept {}
  void set_exception(std::exception_ptr e) noexcept { error_ = std::move(e); }
  bool has_exception() const noexcept { return static_cast<bool>(error_); }
  const std::exception_ptr& exception() const noexcept { return error_; }
  void take() {
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }
  template <class Out>
  void move_to(Out& other) noexcept {
    if (error_) {
      other.set_exception(std::exchange(error_, nullptr));
    } else {
      other.set_value();
    }
  }
  void reset() noexcept { error_ = nullptr; }

 private:
  std::exception_ptr error_;
};

// A task cell's output: for void, whether it returned is the task's outcome_, so only the
// exception is stored.
template <class T>
using cell_output = std::conditional_t<std::is_void_v<T>, void_outcome, result<T>>;

}  // namespace edo::detail
