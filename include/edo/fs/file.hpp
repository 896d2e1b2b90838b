// edo::fs::file and edo::fs::open_options — an open file whose operations run on the
// blocking pool (Tokio's tokio::fs::File and OpenOptions).
//
//   auto f = co_await edo::fs::file::create("out.bin");
//   co_await f.write_all(data);
//   co_await f.sync_all();
//
//   auto g = co_await edo::fs::open_options().read(true).write(true).open("db");
//   co_await g.seek(4096, edo::fs::seek_from::start);
//   std::size_t n = co_await g.read_some(page);          // 0: end of file
//
// Every operation is one edo::spawn_blocking job: the awaiting task never blocks its
// worker. Jobs own what they touch: a read fills a buffer of the job's own and copies it
// into the caller's span afterwards, a write copies the caller's bytes first (at most
// max_buf_size() per job, 2 MiB by default, as Tokio), and each job holds a reference to
// the descriptor, so neither a cancelled await nor destroying the file can leave a job
// writing into freed memory or using a closed (and perhaps reused) descriptor. The
// descriptor is always O_CLOEXEC and is closed when the file and every job using it are
// gone. A file models edo::io::async_read and async_write (read, write, flush, shutdown),
// so edo::io::copy, buf_reader and friends work on it.
//
// One operation at a time: a file is used by one task, which awaits each operation before
// starting the next (as Tokio's &mut self methods). The file may be moved, but not
// destroyed, while an operation is being awaited.
//
// Cancellation. A cancelled await of an operation whose job already started does not stop
// the job (a blocking thread cannot be interrupted): it runs to its end on the pool. The
// file remembers it, and its next operation first waits for it and then:
//   - read_some: the bytes it read are kept and returned by the next read_some (none is
//     lost, the file position stays consistent: read_some is cancel safe);
//   - write_some / write_all / set_len / seek / sync_*: the operation happened (the bytes
//     reached the file, the position moved, the length changed) even though its caller
//     never learnt it; if it failed, the next operation throws its error (as Tokio reports
//     a failed background write at the next operation). write_all is not cancel safe: a
//     cancelled one may have written any prefix of its buffer;
//   - the result of a cancelled metadata() is dropped.
// An operation cancelled while it still waits for such a left-over job never starts its
// own job: it did not happen at all. flush() (and shutdown()) only waits for a left-over
// job: use it to be sure that a cancelled write is done, sync_all() to be sure that it is
// on disk.
//
// Buffers: the span given to read_some, read_exact, write_some or write_all is used while
// the returned task runs (as every span-taking edo call): keep it alive until the await
// returns. It is never used after that, not even by a job left behind by a cancellation.
//
// Errors throw std::system_error with the errno and the file's path in what(). EOF is a
// 0-byte read_some. A runtime is required (spawn_blocking): otherwise edo::no_runtime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include <edo/detail/config.hpp>
#include <edo/fs/metadata.hpp>
#include <edo/task.hpp>

namespace edo::fs {

class file;

namespace detail {
struct file_state;
struct file_access;
}  // namespace detail

// Where seek's offset counts from (SEEK_SET, SEEK_CUR, SEEK_END; Rust's SeekFrom).
enum class seek_from { start, current, end };

// How to open a file (Rust's OpenOptions, with its validation rules: write or append is
// needed for truncate, create and create_new; truncate and append exclude each other
// unless create_new; none of read, write, append is EINVAL).
class EDO_API open_options {
 public:
  open_options() noexcept = default;

  open_options& read(bool on) noexcept { return set(read_, on); }
  open_options& write(bool on) noexcept { return set(write_, on); }
  // Every write goes to the end (O_APPEND); implies write access.
  open_options& append(bool on) noexcept { return set(append_, on); }
  // Truncate an existing file to 0 bytes (O_TRUNC).
  open_options& truncate(bool on) noexcept { return set(truncate_, on); }
  // Create the file if it does not exist (O_CREAT).
  open_options& create(bool on) noexcept { return set(create_, on); }
  // Create the file, failing with EEXIST if it exists (O_CREAT | O_EXCL; a symlink at the
  // path counts as existing). Overrides create and truncate.
  open_options& create_new(bool on) noexcept { return set(create_new_, on); }
  // Permission bits of a created file, before the umask (default 0666).
  open_options& mode(std::uint32_t m) noexcept {
    mode_ = m;
    return *this;
  }
  // Extra open(2) flags (O_NOFOLLOW, O_DIRECT, ...); the access mode bits are ignored.
  open_options& custom_flags(int flags) noexcept {
    custom_flags_ = flags;
    return *this;
  }

  // Opens `path` with these options on the blocking pool. Cancel safe: a cancelled open
  // whose job already ran closes the descriptor it got (a file it created stays created).
  [[nodiscard]] task<file> open(std::filesystem::path path) const;

  // The open(2) flags these options mean (O_CLOEXEC included); throws
  // std::system_error(EINVAL) for an invalid combination.
  int flags() const;

 private:
  open_options& set(bool& field, bool on) noexcept {
    field = on;
    return *this;
  }

  bool read_ = false;
  bool write_ = false;
  bool append_ = false;
  bool truncate_ = false;
  bool create_ = false;
  bool create_new_ = false;
  std::uint32_t mode_ = 0666;
  int custom_flags_ = 0;
};

class EDO_API file {
 public:
  // Tokio's default cap on the bytes one read or write job moves.
  static constexpr std::size_t default_max_buf_size = std::size_t{2} << 20;

  file() noexcept;  // not open
  file(file&&) noexcept;
  file& operator=(file&&) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  // Closes the descriptor (at once, or when a job left by a cancelled await ends).
  ~file();

  // Opens read-only. Cancel safe (see open_options::open).
  [[nodiscard]] static task<file> open(std::filesystem::path path);
  // Opens write-only, creating the file or truncating it. Cancel safe.
  [[nodiscard]] static task<file> create(std::filesystem::path path);
  // Opens read-write, creating the file; EEXIST if it exists. Cancel safe.
  [[nodiscard]] static task<file> create_new(std::filesystem::path path);
  // Adopts an open descriptor (made close-on-exec here); `path` only names it in errors.
  static file from_fd(int fd, std::filesystem::path path = {});
  static open_options options() noexcept { return {}; }

  explicit operator bool() const noexcept;
  // The descriptor, or -1. Do not use it while an operation (or a job left by a cancelled
  // one) is in flight.
  int native_handle() const noexcept;
  const std::filesystem::path& path() const noexcept;

  // Reads up to min(buf.size(), max_buf_size()) bytes at the file position; 0 means end of
  // file (or an empty buf). Cancel safe: the bytes of a cancelled read come back from the
  // next read_some.
  [[nodiscard]] task<std::size_t> read_some(std::span<std::byte> buf);
  // Fills buf completely; throws std::system_error(edo::io::errc::unexpected_eof) if the
  // file ends first. Not cancel safe: bytes already read into buf stay there, their count
  // is lost (the file position is past them).
  [[nodiscard]] task<std::size_t> read_exact(std::span<std::byte> buf);
  // Writes min(buf.size(), max_buf_size()) bytes at the file position (at the end with
  // append) and returns that count. Cancellation: the write still happens (file comment).
  [[nodiscard]] task<std::size_t> write_some(std::span<const std::byte> buf);
  // Writes every byte of buf, in jobs of max_buf_size(). Not cancel safe: a cancelled call
  // may have written any prefix of buf.
  [[nodiscard]] task<void> write_all(std::span<const std::byte> buf);
  [[nodiscard]] task<void> write_all(std::string_view s);

  // edo::io::async_read / async_write: read = read_some, write = write_some; flush waits
  // for a job left by a cancelled operation and throws its error (writes are not
  // buffered: each write_some is done when it returns); shutdown = flush.
  [[nodiscard]] task<std::size_t> read(std::span<std::byte> buf) { return read_some(buf); }
  [[nodiscard]] task<std::size_t> write(std::span<const std::byte> buf) { return write_some(buf); }
  [[nodiscard]] task<void> flush();
  [[nodiscard]] task<void> shutdown() { return flush(); }

  // Moves the file position and returns the new one (from the start). Cancellation: the
  // seek still happens (file comment).
  [[nodiscard]] task<std::uint64_t> seek(std::int64_t offset, seek_from from = seek_from::start);
  // The file position (seek(0, current)).
  [[nodiscard]] task<std::uint64_t> position() { return seek(0, seek_from::current); }

  // fsync(2): data and metadata on disk. Waits for a left-over job first, so it also
  // makes a cancelled write durable (or throws its error).
  [[nodiscard]] task<void> sync_all();
  // fdatasync(2): data (and the metadata needed to read it back) on disk.
  [[nodiscard]] task<void> sync_data();
  // ftruncate(2): truncates or extends (with zeros) to `size` bytes; the position does not
  // move. Cancellation: the length still changes (file comment).
  [[nodiscard]] task<void> set_len(std::uint64_t size);
  // fstat(2). Cancel safe (nothing changes).
  [[nodiscard]] task<file_metadata> metadata();
  // fchmod(2) with the permission bits of `p`.
  [[nodiscard]] task<void> set_permissions(std::filesystem::perms p);

  // The most bytes one read_some or write_some job moves (default_max_buf_size).
  std::size_t max_buf_size() const noexcept;
  void set_max_buf_size(std::size_t n) noexcept;

 private:
  friend struct detail::file_access;
  explicit file(std::unique_ptr<detail::file_state> s) noexcept;

  std::unique_ptr<detail::file_state> st_;
};

}  // namespace edo::fs
