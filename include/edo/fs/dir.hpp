// edo::fs::read_dir, dir_reader and dir_entry — reading a directory on the blocking pool
// (Tokio's fs::read_dir, ReadDir::next_entry and DirEntry).
//
//   auto dir = co_await edo::fs::read_dir("/etc");
//   while (auto entry = co_await dir.next_entry()) {
//     std::cout << entry->file_name() << (entry->is_dir() ? "/" : "") << '\n';
//   }
//
// read_dir opens the directory in a blocking job; next_entry() hands out entries from a
// batch and fetches the next batch (32 entries, as Tokio) in one more job when the batch is
// used up, so a large directory costs one job per 32 entries, not one per entry. "." and
// ".." are skipped; the order is the file system's. Entries added or removed while reading
// may or may not appear (readdir(3)). The directory stays open (O_CLOEXEC) until the reader
// and any job using it are gone.
//
// Errors throw std::system_error with the errno and the directory's path in what().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <edo/detail/config.hpp>
#include <edo/fs/metadata.hpp>
#include <edo/task.hpp>

namespace edo::fs {

namespace detail {
struct dir_state;
struct dir_access;
}  // namespace detail

class dir_reader;

// Opens the directory `path` for reading (opendir(3) on the blocking pool). Cancel safe: a
// cancelled call whose job already ran closes the directory.
[[nodiscard]] EDO_API task<dir_reader> read_dir(std::filesystem::path path);

// One entry of a directory: its name and type as readdir(3) reported them (the type
// from an lstat when the file system does not say), without further I/O.
class EDO_API dir_entry {
 public:
  dir_entry() = default;
  dir_entry(std::filesystem::path path, std::filesystem::file_type type, std::uint64_t ino)
      : path_(std::move(path)), type_(type), ino_(ino) {}

  // The directory's path joined with the entry's name.
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path file_name() const { return path_.filename(); }
  // The entry's own type: a symlink is a symlink (not followed). file_type::unknown if the
  // entry vanished before its type could be read.
  std::filesystem::file_type file_type() const noexcept { return type_; }
  bool is_file() const noexcept { return type_ == std::filesystem::file_type::regular; }
  bool is_dir() const noexcept { return type_ == std::filesystem::file_type::directory; }
  bool is_symlink() const noexcept { return type_ == std::filesystem::file_type::symlink; }
  std::uint64_t ino() const noexcept { return ino_; }

  // lstat(2) of the entry, on the blocking pool (a symlink is not followed, as Tokio's
  // DirEntry::metadata). Cancel safe.
  [[nodiscard]] task<file_metadata> metadata() const;

 private:
  std::filesystem::path path_;
  std::filesystem::file_type type_ = std::filesystem::file_type::unknown;
  std::uint64_t ino_ = 0;
};

// The entries of an open directory, one next_entry() at a time.
class EDO_API dir_reader {
 public:
  dir_reader() noexcept;  // reads nothing
  dir_reader(dir_reader&&) noexcept;
  dir_reader& operator=(dir_reader&&) noexcept;
  dir_reader(const dir_reader&) = delete;
  dir_reader& operator=(const dir_reader&) = delete;
  ~dir_reader();

  // The next entry, or std::nullopt at the end (and from then on). Cancel safe, as
  // Tokio's: the entries fetched by a cancelled call are kept for the next one (its job
  // runs to its end on the pool). One call at a time; the reader may be moved, not
  // destroyed, while a call is awaited.
  [[nodiscard]] task<std::optional<dir_entry>> next_entry();

  const std::filesystem::path& path() const noexcept;

 private:
  friend struct detail::dir_access;
  explicit dir_reader(std::unique_ptr<detail::dir_state> s) noexcept;
  std::unique_ptr<detail::dir_state> st_;
};

}  // namespace edo::fs
