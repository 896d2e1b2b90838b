// What edo's I/O resources (edo::net, edo::process, edo::signal) share with the compiled I/O
// driver (src/io): the readiness word of a registration, the readiness leaf, and io_source —
// one fd registered with the runtime's I/O driver.
//
// Readiness protocol (Tokio's ScheduledIo, edge-triggered):
//  * Each registered fd has one io_registration whose `state_` holds the fd's last known
//    readiness (io_ready bits), a shutdown bit and a 16-bit tick. The driver ORs the bits of
//    each edge in and bumps the tick, under the registration's lock, then wakes the waiters
//    whose interest matches — after releasing the lock.
//  * An operation tries its system call when the readiness bit of its direction is set. On
//    EAGAIN (or a short stream read/write, which proves the buffer drained/filled) it clears
//    that bit — but only if the tick is still the one it read before the call, so an edge
//    that arrived meanwhile is never lost — then waits for the next edge.
//  * A wait (io_readiness, an edo::leaf) re-checks readiness under the lock before linking
//    its waiter: no edge can fall between the check and the link. cancel() unlinks under the
//    same lock; a waiter the driver already took is woken, never unlinked.
//  * Readiness is a hint: a spurious bit costs one EAGAIN, never a lost wake-up. New
//    registrations start fully ready, so the first operation tries at once.
#pragma once

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <edo/detail/config.hpp>
#include <edo/detail/strand.hpp>
#include <edo/leaf.hpp>
#include <edo/task.hpp>

namespace edo::detail {

class io_driver;  // src/io/driver.hpp

// Readiness bits of a registration.
namespace io_ready {
inline constexpr std::uint8_t readable = 1 << 0;      // data (or a connection) to read
inline constexpr std::uint8_t writable = 1 << 1;      // room to write, or connect finished
inline constexpr std::uint8_t read_closed = 1 << 2;   // the peer shut down its writing side
inline constexpr std::uint8_t write_closed = 1 << 3;  // no more writing possible (HUP)
inline constexpr std::uint8_t error = 1 << 4;         // an error is pending on the fd
inline constexpr std::uint8_t all = 0x1f;
// A new registration: worth trying either direction (never a closed or error bit, which no
// operation clears).
inline constexpr std::uint8_t initial = readable | writable;
}  // namespace io_ready

// A direction of interest, and the readiness bits that complete a wait for it.
enum class io_interest : std::uint8_t { read = 1, write = 2 };
inline constexpr std::uint8_t ready_mask(io_interest i) noexcept {
  return i == io_interest::read ? (io_ready::readable | io_ready::read_closed | io_ready::error)
                                : (io_ready::writable | io_ready::write_closed | io_ready::error);
}

// The layout of io_registration::state_.
namespace io_state {
inline constexpr std::uint64_t ready_bits = 0xff;     // io_ready bits
inline constexpr std::uint64_t shutdown = 1ull << 8;  // the driver is gone: fail every wait
inline constexpr int tick_shift = 16;                 // bits 16..31: edge counter
inline constexpr std::uint64_t tick_bits = 0xffffull << tick_shift;
}  // namespace io_state

// The public head of a registration (src/io/registration.hpp: scheduled_io).
struct io_registration {
  // ordering: written by the driver (release, under the registration's lock) and by
  // operations clearing readiness (CAS); read with acquire by operations.
  std::atomic<std::uint64_t> state_{0};
};

// A waiter for readiness, linked into its registration's list under the registration's lock.
struct io_waiter {
  io_waiter* prev_ = nullptr;
  io_waiter* next_ = nullptr;
  strand* target_ = nullptr;  // woken by the driver
  io_interest interest_ = io_interest::read;
  bool linked_ = false;  // guarded by the registration's lock
};

// Links `w` unless its interest is ready (or the driver shut down) under the lock; false
// means "ready now, not linked: complete at once".
EDO_API bool io_register_waiter(io_registration* r, io_waiter& w) noexcept;
// Unlinks `w`. True: unlinked, no wake will come. False: the driver took it; the wake is
// decided.
EDO_API bool io_cancel_waiter(io_registration* r, io_waiter& w) noexcept;
// Clears `bits` if the tick is still the one in `seen` (a state_ snapshot).
EDO_API void io_clear_readiness(io_registration* r, std::uint64_t seen, std::uint8_t bits) noexcept;
// Throws the error of an operation on a registration whose driver was shut down.
[[noreturn]] EDO_API void throw_io_shutdown();

// Waits until the registration is ready for `interest`; yields the state_ snapshot (for
// io_clear_readiness). Cancel safe: a cancelled wait consumes nothing.
class io_readiness : public leaf {
 public:
  io_readiness(io_registration* r, io_interest interest) noexcept : reg_(r) {
    waiter_.interest_ = interest;
  }
  io_readiness(const io_readiness& o) noexcept : leaf(), reg_(o.reg_) {
    waiter_.interest_ = o.waiter_.interest_;
  }
  io_readiness& operator=(const io_readiness&) = delete;

  bool await_ready() noexcept {
    // ordering: acquire pairs with the driver's release CAS (and the wake's release chain).
    seen_ = reg_->state_.load(std::memory_order_acquire);
    if ((seen_ & (ready_mask(waiter_.interest_) | io_state::shutdown)) == 0) return false;
    if (consume_budget()) return true;
    ready_now_ = true;
    return false;
  }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    suspend(h);
    if (ready_now_) {
      complete_now();
      return;
    }
    waiter_.target_ = strand_;
    if (!io_register_waiter(reg_, waiter_)) wake();
  }
  std::uint64_t await_resume() {
    // ordering: acquire, as in await_ready.
    if (!ready_now_) seen_ = reg_->state_.load(std::memory_order_acquire);
    ready_now_ = false;
    if ((seen_ & io_state::shutdown) != 0) throw_io_shutdown();
    return seen_;
  }

 private:
  bool cancel() noexcept override { return io_cancel_waiter(reg_, waiter_); }

  io_registration* reg_;
  io_waiter waiter_;
  std::uint64_t seen_ = 0;
  bool ready_now_ = false;
};

// How an fd's bytes move: send/recv with MSG_NOSIGNAL (sockets) or read/write (pipes).
enum class io_kind : std::uint8_t { socket, pipe, other };

// One fd, owned and registered with the current runtime's I/O driver (the driver stays alive
// while any registration does). Move-only; destroying it deregisters and closes the fd. Its
// operations keep a pointer to it: it must not move or die while one is pending.
//
// Read-ahead: a stream read asks the kernel for up to `read_ahead` bytes more than the
// caller's buffer holds, into a small block owned by the source. A read that comes back
// shorter than both together proves the kernel buffer is empty, so readiness is cleared and
// the next read waits for the next edge without a system call that would only say EAGAIN —
// even when the caller's buffer was filled exactly (read_exact of a fixed-size message).
// Bytes read ahead are handed out first by the next read. So: one reader at a time (as
// Tokio's &mut self), and release() loses bytes read ahead.
class EDO_API io_source {
 public:
  io_source() noexcept = default;
  // Takes `fd` (already O_NONBLOCK | O_CLOEXEC) and registers it; closes it and throws if
  // that fails (edo::no_runtime when there is no runtime with I/O; `what` names the caller).
  io_source(int fd, io_kind kind, std::uint8_t initial_ready, const char* what);
  // The same, registering with `driver` (another source's: an accepted connection joins its
  // listener's driver without a thread-local lookup).
  io_source(int fd, io_kind kind, std::uint8_t initial_ready, io_driver* driver);
  io_source(io_source&& o) noexcept;
  io_source& operator=(io_source&& o) noexcept;
  ~io_source() { reset(); }

  explicit operator bool() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }
  io_registration* registration() const noexcept { return reg_; }
  io_driver* driver() const noexcept { return driver_; }
  io_kind kind() const noexcept { return kind_; }
  // Deregisters and closes now.
  void reset() noexcept;
  // Deregisters and hands the fd to the caller.
  int release() noexcept;

  io_readiness ready(io_interest i) const noexcept { return io_readiness(reg_, i); }
  std::uint64_t state() const noexcept {
    // ordering: acquire pairs with the driver's release CAS.
    return reg_->state_.load(std::memory_order_acquire);
  }
  void clear_readiness(std::uint64_t seen, std::uint8_t bits) const noexcept {
    io_clear_readiness(reg_, seen, bits);
  }

  // A stream read: 0 at EOF. Cancel safe.
  task<std::size_t> read(std::span<std::byte> buf) const;
  // A stream write of at most buf.size() bytes. Cancel safe.
  task<std::size_t> write(std::span<const std::byte> buf) const;
  // Reads exactly buf.size() bytes; throws edo::io::errc::unexpected_eof at an early EOF.
  task<std::size_t> read_exact(std::span<std::byte> buf) const;
  // Writes every byte.
  task<void> write_all(std::span<const std::byte> buf) const;
  // One attempt, no waiting: nullopt when it would block.
  std::optional<std::size_t> try_read(std::span<std::byte> buf) const;
  std::optional<std::size_t> try_write(std::span<const std::byte> buf) const;

  static constexpr std::size_t read_ahead = 192;
  // Bytes read ahead and not handed out yet.
  std::size_t buffered() const noexcept { return ahead_ == nullptr ? 0 : ahead_->len; }

 private:
  struct ahead_block {
    std::uint32_t pos = 0;
    std::uint32_t len = 0;
    std::byte data[read_ahead];
  };
  // Moves read-ahead bytes into `buf`; returns how many.
  std::size_t take_ahead(std::span<std::byte> buf) const noexcept;
  // One readv into `buf` and the read-ahead block (empty on entry). Returns the bytes now in
  // `buf`, or -1 with errno; `drained`: the kernel buffer was emptied and nothing was kept.
  long read_once(std::span<std::byte> buf, bool& drained) const;

  io_registration* reg_ = nullptr;
  io_driver* driver_ = nullptr;
  mutable ahead_block* ahead_ = nullptr;  // allocated by the first stream read
  int fd_ = -1;
  io_kind kind_ = io_kind::other;
};

}  // namespace edo::detail
