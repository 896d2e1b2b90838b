// edo::fs::file_metadata — what stat(2) says about a file (Rust's std::fs::Metadata): size,
// type, permissions and times, from a struct stat taken on the blocking pool by
// edo::fs::metadata(path), symlink_metadata(path), file::metadata() or
// dir_entry::metadata(). (The function edo::fs::metadata takes the name `metadata`, so the
// type is file_metadata; it describes directories and other files as well.)
//
//   edo::fs::file_metadata m = co_await edo::fs::metadata("Cargo.toml");
//   if (m.is_file()) std::cout << m.size() << " bytes, modified " << m.modified() << '\n';
//
// A value type: copying it performs no I/O. The raw struct stat is there too (native()).
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <filesystem>

namespace edo::fs {

class file_metadata {
 public:
  using time_point = std::chrono::system_clock::time_point;

  file_metadata() noexcept : st_{} {}
  explicit file_metadata(const struct stat& st) noexcept : st_(st) {}

  // Bytes (st_size): the length of a regular file, of a symlink's target path, ...
  std::uint64_t size() const noexcept { return static_cast<std::uint64_t>(st_.st_size); }
  std::filesystem::file_type type() const noexcept { return type_of(st_.st_mode); }
  bool is_file() const noexcept { return S_ISREG(st_.st_mode); }
  bool is_dir() const noexcept { return S_ISDIR(st_.st_mode); }
  // Only from symlink_metadata() or dir_entry::metadata(): metadata() follows links.
  bool is_symlink() const noexcept { return S_ISLNK(st_.st_mode); }

  // The permission bits, set-id and sticky bits included (st_mode & 07777).
  std::filesystem::perms permissions() const noexcept {
    return static_cast<std::filesystem::perms>(st_.st_mode & 07777);
  }
  // No write bit for anyone (Rust's Permissions::readonly).
  bool readonly() const noexcept { return (st_.st_mode & 0222) == 0; }
  // st_mode: type and permission bits.
  std::uint32_t mode() const noexcept { return st_.st_mode; }

  time_point modified() const noexcept { return to_time(st_.st_mtim); }
  time_point accessed() const noexcept { return to_time(st_.st_atim); }
  // The last status change (ctime): not a creation time.
  time_point status_changed() const noexcept { return to_time(st_.st_ctim); }

  std::uint64_t dev() const noexcept { return st_.st_dev; }
  std::uint64_t ino() const noexcept { return st_.st_ino; }
  std::uint64_t nlink() const noexcept { return st_.st_nlink; }
  std::uint32_t uid() const noexcept { return st_.st_uid; }
  std::uint32_t gid() const noexcept { return st_.st_gid; }
  std::uint64_t blocks() const noexcept { return static_cast<std::uint64_t>(st_.st_blocks); }

  const struct stat& native() const noexcept { return st_; }

  // The std::filesystem type of an st_mode.
  static std::filesystem::file_type type_of(std::uint32_t mode) noexcept {
    using ft = std::filesystem::file_type;
    switch (mode & S_IFMT) {
      case S_IFREG:
        return ft::regular;
      case S_IFDIR:
        return ft::directory;
      case S_IFLNK:
        return ft::symlink;
      case S_IFBLK:
        return ft::block;
      case S_IFCHR:
        return ft::character;
      case S_IFIFO:
        return ft::fifo;
      case S_IFSOCK:
        return ft::socket;
      default:
        return ft::unknown;
    }
  }

 private:
  static time_point to_time(const struct timespec& ts) noexcept {
    return time_point(std::chrono::duration_cast<time_point::duration>(
        std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
  }

  struct stat st_;
};

}  // namespace edo::fs
