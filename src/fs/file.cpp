// edo::fs::file and open_options (see <edo/fs/file.hpp>).
//
// The state behind a file (file_state, one heap object, so that moving a file while an
// operation is awaited moves only a pointer):
//   fd_       the descriptor, shared with every job that uses it: it is closed when the last
//             of them lets go, so a job left running by a cancelled await never sees a closed
//             or reused descriptor;
//   pending_  the job of an operation whose await was cancelled (empty otherwise). Every
//             operation first settles it: waits for it and takes its result — a read's bytes
//             go to unread_, an error is thrown (see the file comment of file.hpp). Awaiting
//             a join_handle is cancel safe, so a cancelled settle leaves pending_ as it was;
//   unread_   bytes that a cancelled read_some read from the descriptor and no caller has
//             had yet: the descriptor's position is unread() bytes past the file's logical
//             position. read_some returns them first; an operation that depends on the
//             position (write, seek, set_len) drops them and moves the descriptor back by
//             that much (in its job, before its own system call).
// An operation's coroutine is the only code touching the state besides the job, which sees
// only what it captured (the fd holder and its own buffers); the task and the job are
// ordered by spawn_blocking and by the completion of the join_handle.
//
// A job returns an op_result and never throws (allocation failure is ENOMEM), so a job left
// behind by a cancelled await ends silently when nobody waits for it any more.
#include <edo/fs/file.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include <edo/io/error.hpp>

#include "fs/common.hpp"

namespace edo::fs {
namespace detail {

using fd_ref = std::shared_ptr<const unique_fd>;

// Bytes owned by a job (no zero-filling: the kernel overwrites them).
struct byte_buf {
  std::unique_ptr<std::byte[]> data;
  std::size_t size = 0;
};

struct op_result {
  const char* op = "";   // the operation, for its error message
  int err = 0;           // errno, 0 on success
  bool is_read = false;  // a read_some: `bytes` are data read from the descriptor
  std::uint64_t n = 0;   // bytes written, or the new position
  byte_buf bytes;        // read_some: the bytes read (size = count)
  struct stat st {};     // metadata
};

struct file_state {
  file_state(fd_ref fd, std::filesystem::path path) noexcept
      : fd_(std::move(fd)), path_(std::move(path)) {}

  std::size_t unread() const noexcept { return unread_.size - unread_pos_; }
  void discard_unread() noexcept {
    unread_ = {};
    unread_pos_ = 0;
  }

  fd_ref fd_;
  std::filesystem::path path_;
  std::size_t max_buf_ = file::default_max_buf_size;
  join_handle<op_result> pending_;
  byte_buf unread_;
  std::size_t unread_pos_ = 0;
};

struct file_access {
  static file make(fd_ref fd, std::filesystem::path path) {
    return file(std::make_unique<file_state>(std::move(fd), std::move(path)));
  }
};

}  // namespace detail

namespace {

using detail::byte_buf;
using detail::fd_ref;
using detail::file_state;
using detail::op_result;
using detail::unique_fd;

[[noreturn]] void invalid() {
  throw std::system_error(EINVAL, std::generic_category(),
                          "edo::fs::open_options: invalid combination of options");
}

[[noreturn]] void throw_not_open(const char* op) {
  throw std::system_error(EBADF, std::generic_category(), std::string(op) + ": file not open");
}

op_result result_of(const char* op) noexcept {
  op_result r;
  r.op = op;
  return r;
}

// Moves the descriptor back over `back` bytes read ahead (see file_state); false on error.
bool step_back(int fd, std::size_t back, op_result& r) noexcept {
  if (back == 0) return true;
  if (::lseek(fd, -static_cast<off_t>(back), SEEK_CUR) < 0) {
    r.err = errno;
    return false;
  }
  return true;
}

// Waits for the job in s->pending_ and takes its result. Cancel safe: a cancelled wait
// leaves the job in pending_.
EDO_NOINLINE task<op_result> finish(file_state* s, const char* op) {
  std::optional<op_result> r;
  try {
    r.emplace(co_await s->pending_);
  } catch (const edo::join_error&) {
    // The runtime refused the job (shutdown): jobs never throw.
  }
  s->pending_ = {};
  if (!r) detail::throw_cancelled(op);
  co_return std::move(*r);
}

// Finishes the job of an earlier, cancelled operation (see file_state).
EDO_NOINLINE task<void> settle(file_state* s) {
  if (!s->pending_) co_return;
  op_result r = co_await finish(s, "edo::fs::file");
  if (r.err != 0) {
    throw std::system_error(
        r.err, std::generic_category(),
        detail::describe(r.op, s->path_) + " (an earlier call, whose await was cancelled)");
  }
  if (r.is_read) {
    s->unread_ = std::move(r.bytes);
    s->unread_pos_ = 0;
  }
}

// The jobs are named before being awaited: g++ 12 destroys a lambda temporary of a co_await
// expression twice (GCC PR 100611), and these own a shared descriptor reference.

// Runs one job (a callable returning op_result) as the file's current operation, and throws
// its error. Precondition: settled.
template <class Job>
EDO_NOINLINE task<op_result> run_op(file_state* s, Job job) {
  s->pending_ = detail::submit_job(std::move(job));
  op_result r = co_await finish(s, "edo::fs::file");
  if (r.err != 0) detail::throw_errno(r.err, r.op, s->path_);
  co_return r;
}

file_state* check(file_state* s, const char* op) {
  if (s == nullptr) throw_not_open(op);
  return s;
}

EDO_NOINLINE task<std::size_t> read_some_impl(file_state* s, std::span<std::byte> buf) {
  check(s, "edo::fs::file::read_some");
  co_await settle(s);
  if (buf.empty()) co_return 0;
  if (s->unread() > 0) {
    const std::size_t n = std::min(buf.size(), s->unread());
    std::memcpy(buf.data(), s->unread_.data.get() + s->unread_pos_, n);
    s->unread_pos_ += n;
    if (s->unread() == 0) s->discard_unread();
    co_return n;
  }
  const std::size_t want = std::min(buf.size(), s->max_buf_);
  auto job = [fd = s->fd_, want]() noexcept {
    op_result out = result_of("edo::fs::file::read_some");
    out.is_read = true;
    try {
      out.bytes.data = std::make_unique_for_overwrite<std::byte[]>(want);
    } catch (...) {
      out.err = ENOMEM;
      return out;
    }
    ssize_t n;
    do {
      n = ::read(fd->get(), out.bytes.data.get(), want);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      out.err = errno;
      out.bytes = {};
    } else {
      out.bytes.size = static_cast<std::size_t>(n);
    }
    return out;
  };
  op_result r = co_await run_op(s, std::move(job));
  std::memcpy(buf.data(), r.bytes.data.get(), r.bytes.size);
  co_return r.bytes.size;
}

EDO_NOINLINE task<std::size_t> write_some_impl(file_state* s, std::span<const std::byte> buf) {
  check(s, "edo::fs::file::write_some");
  co_await settle(s);
  if (buf.empty()) co_return 0;
  byte_buf data;
  data.size = std::min(buf.size(), s->max_buf_);
  data.data = std::make_unique_for_overwrite<std::byte[]>(data.size);
  std::memcpy(data.data.get(), buf.data(), data.size);
  const std::size_t back = s->unread();
  s->discard_unread();
  auto job = [fd = s->fd_, data = std::move(data), back]() noexcept {
    op_result out = result_of("edo::fs::file::write_some");
    if (!step_back(fd->get(), back, out)) return out;
    const std::byte* p = data.data.get();
    std::size_t left = data.size;
    while (left > 0) {
      const ssize_t n = ::write(fd->get(), p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        out.err = errno;
        break;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    out.n = data.size - left;
    return out;
  };
  op_result r = co_await run_op(s, std::move(job));
  co_return static_cast<std::size_t>(r.n);
}

EDO_NOINLINE task<std::uint64_t> seek_impl(file_state* s, std::int64_t offset, seek_from from) {
  check(s, "edo::fs::file::seek");
  co_await settle(s);
  int whence = SEEK_SET;
  if (from == seek_from::current) {
    whence = SEEK_CUR;
    offset -= static_cast<std::int64_t>(s->unread());  // from the logical position
  } else if (from == seek_from::end) {
    whence = SEEK_END;
  }
  s->discard_unread();
  auto job = [fd = s->fd_, offset, whence]() noexcept {
    op_result out = result_of("edo::fs::file::seek");
    const off_t pos = ::lseek(fd->get(), static_cast<off_t>(offset), whence);
    if (pos < 0) {
      out.err = errno;
    } else {
      out.n = static_cast<std::uint64_t>(pos);
    }
    return out;
  };
  op_result r = co_await run_op(s, std::move(job));
  co_return r.n;
}

EDO_NOINLINE task<void> sync_impl(file_state* s, bool all) {
  const char* op = all ? "edo::fs::file::sync_all" : "edo::fs::file::sync_data";
  check(s, op);
  co_await settle(s);
  auto job = [fd = s->fd_, all, op]() noexcept {
    op_result out = result_of(op);
    int rc;
    do {
      rc = all ? ::fsync(fd->get()) : ::fdatasync(fd->get());
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) out.err = errno;
    return out;
  };
  co_await run_op(s, std::move(job));
}

EDO_NOINLINE task<void> set_len_impl(file_state* s, std::uint64_t size) {
  check(s, "edo::fs::file::set_len");
  co_await settle(s);
  const std::size_t back = s->unread();
  s->discard_unread();
  auto job = [fd = s->fd_, size, back]() noexcept {
    op_result out = result_of("edo::fs::file::set_len");
    if (!step_back(fd->get(), back, out)) return out;
    int rc;
    do {
      rc = ::ftruncate(fd->get(), static_cast<off_t>(size));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) out.err = errno;
    return out;
  };
  co_await run_op(s, std::move(job));
}

EDO_NOINLINE task<file_metadata> metadata_impl(file_state* s) {
  check(s, "edo::fs::file::metadata");
  co_await settle(s);
  auto job = [fd = s->fd_]() noexcept {
    op_result out = result_of("edo::fs::file::metadata");
    if (::fstat(fd->get(), &out.st) != 0) out.err = errno;
    return out;
  };
  op_result r = co_await run_op(s, std::move(job));
  co_return file_metadata(r.st);
}

EDO_NOINLINE task<void> set_permissions_impl(file_state* s, std::filesystem::perms p) {
  check(s, "edo::fs::file::set_permissions");
  co_await settle(s);
  auto job = [fd = s->fd_, p]() noexcept {
    op_result out = result_of("edo::fs::file::set_permissions");
    if (::fchmod(fd->get(), static_cast<mode_t>(static_cast<unsigned>(p) & 07777)) != 0) {
      out.err = errno;
    }
    return out;
  };
  co_await run_op(s, std::move(job));
}

EDO_NOINLINE task<void> flush_impl(file_state* s) {
  check(s, "edo::fs::file::flush");
  co_await settle(s);
}

EDO_NOINLINE task<std::size_t> read_exact_impl(file_state* s, std::span<std::byte> buf) {
  check(s, "edo::fs::file::read_exact");
  std::size_t done = 0;
  do {
    const std::size_t n = co_await read_some_impl(s, buf.subspan(done));
    if (n == 0 && done < buf.size()) {
      throw std::system_error(io::errc::unexpected_eof,
                              detail::describe("edo::fs::file::read_exact", s->path_));
    }
    done += n;
  } while (done < buf.size());
  co_return done;
}

EDO_NOINLINE task<void> write_all_impl(file_state* s, std::span<const std::byte> buf) {
  check(s, "edo::fs::file::write_all");
  std::size_t done = 0;
  do {
    // An empty buf still settles a left-over job (and throws its error).
    done += co_await write_some_impl(s, buf.subspan(done));
  } while (done < buf.size());
}

EDO_NOINLINE task<file> open_impl(std::filesystem::path path, int flags, std::uint32_t mode,
                                  std::exception_ptr invalid) {
  if (invalid) std::rethrow_exception(invalid);
  auto job = [path, flags, mode] {
    return detail::open_fd(path, flags, mode, "edo::fs::file::open");
  };
  unique_fd fd = co_await detail::run("edo::fs::file::open", std::move(job));
  co_return detail::file_access::make(std::make_shared<const unique_fd>(std::move(fd)),
                                      std::move(path));
}

}  // namespace

// --- open_options ---------------------------------------------------------------------

int open_options::flags() const {
  int access = 0;
  if (append_) {
    access = (read_ ? O_RDWR : O_WRONLY) | O_APPEND;
  } else if (read_ && write_) {
    access = O_RDWR;
  } else if (write_) {
    access = O_WRONLY;
  } else if (read_) {
    access = O_RDONLY;
  } else {
    invalid();
  }
  if (!write_ && !append_ && (truncate_ || create_ || create_new_)) invalid();
  if (append_ && truncate_ && !create_new_) invalid();
  int creation = 0;
  if (create_new_) {
    creation = O_CREAT | O_EXCL;
  } else {
    if (create_) creation |= O_CREAT;
    if (truncate_) creation |= O_TRUNC;
  }
  return access | creation | (custom_flags_ & ~O_ACCMODE) | O_CLOEXEC;
}

task<file> open_options::open(std::filesystem::path path) const {
  int f = 0;
  std::exception_ptr invalid;
  try {
    f = flags();
  } catch (...) {
    invalid = std::current_exception();
  }
  return open_impl(std::move(path), f, mode_, std::move(invalid));
}

// --- file -------------------------------------------------------------------------------

file::file() noexcept = default;
file::file(std::unique_ptr<detail::file_state> s) noexcept : st_(std::move(s)) {}
file::file(file&&) noexcept = default;
file& file::operator=(file&&) noexcept = default;
file::~file() = default;

task<file> file::open(std::filesystem::path path) {
  return open_options().read(true).open(std::move(path));
}
task<file> file::create(std::filesystem::path path) {
  return open_options().write(true).create(true).truncate(true).open(std::move(path));
}
task<file> file::create_new(std::filesystem::path path) {
  return open_options().read(true).write(true).create_new(true).open(std::move(path));
}

file file::from_fd(int fd, std::filesystem::path path) {
  if (fd < 0) throw_not_open("edo::fs::file::from_fd");
  unique_fd owned(fd);
  const int fl = ::fcntl(fd, F_GETFD);
  if (fl < 0 || ::fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
    const int e = errno;
    (void)owned.release();  // not adopted: the caller keeps it
    detail::throw_errno(e, "edo::fs::file::from_fd", path);
  }
  return detail::file_access::make(std::make_shared<const unique_fd>(std::move(owned)),
                                   std::move(path));
}

file::operator bool() const noexcept {
  return st_ != nullptr;
}
int file::native_handle() const noexcept {
  return st_ ? st_->fd_->get() : -1;
}
const std::filesystem::path& file::path() const noexcept {
  static const std::filesystem::path none;
  return st_ ? st_->path_ : none;
}

task<std::size_t> file::read_some(std::span<std::byte> buf) {
  return read_some_impl(st_.get(), buf);
}
task<std::size_t> file::read_exact(std::span<std::byte> buf) {
  return read_exact_impl(st_.get(), buf);
}
task<std::size_t> file::write_some(std::span<const std::byte> buf) {
  return write_some_impl(st_.get(), buf);
}
task<void> file::write_all(std::span<const std::byte> buf) {
  return write_all_impl(st_.get(), buf);
}
task<void> file::write_all(std::string_view s) {
  return write_all_impl(st_.get(), std::as_bytes(std::span<const char>(s.data(), s.size())));
}
task<void> file::flush() {
  return flush_impl(st_.get());
}
task<std::uint64_t> file::seek(std::int64_t offset, seek_from from) {
  return seek_impl(st_.get(), offset, from);
}
task<void> file::sync_all() {
  return sync_impl(st_.get(), true);
}
task<void> file::sync_data() {
  return sync_impl(st_.get(), false);
}
task<void> file::set_len(std::uint64_t size) {
  return set_len_impl(st_.get(), size);
}
task<file_metadata> file::metadata() {
  return metadata_impl(st_.get());
}
task<void> file::set_permissions(std::filesystem::perms p) {
  return set_permissions_impl(st_.get(), p);
}

std::size_t file::max_buf_size() const noexcept {
  return st_ ? st_->max_buf_ : default_max_buf_size;
}
void file::set_max_buf_size(std::size_t n) noexcept {
  if (st_) st_->max_buf_ = std::max<std::size_t>(n, 1);
}

}  // namespace edo::fs
