// The whole-file and path functions of edo::fs (see <edo/fs.hpp>): each is a plain
// non-coroutine function that moves its arguments into a job and returns the lazy task of
// detail::run (src/fs/common.hpp), so nothing the caller owns is referenced after the call.
#include <edo/fs.hpp>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include "fs/common.hpp"

namespace edo::fs {
namespace {

using detail::throw_errno;
using detail::unique_fd;
namespace stdfs = std::filesystem;

// Reads fd until EOF, appending to `out` (a std::vector<std::byte> or std::string).
template <class Buffer>
void read_all(int fd, Buffer& out, const char* op, const stdfs::path& p) {
  struct stat st;
  std::size_t chunk = 8192;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    // One extra byte so that the EOF read needs no reallocation.
    out.reserve(static_cast<std::size_t>(st.st_size) + 1);
    chunk = static_cast<std::size_t>(st.st_size) + 1;
  }
  std::size_t used = out.size();
  for (;;) {
    if (out.capacity() - used == 0) out.reserve(used + std::max(chunk, used));
    out.resize(out.capacity());
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      out.resize(used);
      throw_errno(e, op, p);
    }
    used += static_cast<std::size_t>(n);
    out.resize(used);
    if (n == 0) return;
  }
}

void write_fully(int fd, const std::byte* data, std::size_t size, const char* op,
                 const stdfs::path& p) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, op, p);
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

task<void> write_owned(stdfs::path path, std::vector<std::byte> data) {
  return detail::run("edo::fs::write", [path = std::move(path), data = std::move(data)] {
    unique_fd fd = detail::open_fd(path, O_WRONLY | O_CREAT | O_TRUNC, 0666, "edo::fs::write");
    write_fully(fd.get(), data.data(), data.size(), "edo::fs::write", path);
  });
}

// Copies src to dst from their current positions to src's EOF: copy_file_range, then
// read/write where the kernel refuses it (another file system type, special files).
std::uint64_t copy_contents(int src, int dst, const stdfs::path& from, const stdfs::path& to) {
  std::uint64_t total = 0;
  bool kernel_copy = true;
  for (;;) {
    if (kernel_copy) {
      const ssize_t n = ::copy_file_range(src, nullptr, dst, nullptr, std::size_t{1} << 30, 0);
      if (n > 0) {
        total += static_cast<std::uint64_t>(n);
        continue;
      }
      if (n == 0) return total;
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP &&
          errno != EPERM) {
        throw_errno(errno, "edo::fs::copy", from, to);
      }
      kernel_copy = false;  // nothing was copied by the failed call: fall back
    }
    std::byte buf[64 * 1024];
    const ssize_t n = ::read(src, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "edo::fs::copy", from, to);
    }
    if (n == 0) return total;
    write_fully(dst, buf, static_cast<std::size_t>(n), "edo::fs::copy", to);
    total += static_cast<std::uint64_t>(n);
  }
}

std::uint64_t copy_blocking(const stdfs::path& from, const stdfs::path& to) {
  unique_fd src = detail::open_fd(from, O_RDONLY, 0, "edo::fs::copy");
  struct stat sst;
  if (::fstat(src.get(), &sst) != 0) throw_errno(errno, "edo::fs::copy", from);
  if (!S_ISREG(sst.st_mode)) {
    throw std::system_error(
        EINVAL, std::generic_category(),
        detail::describe("edo::fs::copy", from, to) + ": the source is not a regular file");
  }
  const unsigned perm = sst.st_mode & 07777;
  // Not O_TRUNC yet: truncating the source itself would lose it.
  unique_fd dst = detail::open_fd(to, O_WRONLY | O_CREAT, perm, "edo::fs::copy");
  struct stat dstst;
  if (::fstat(dst.get(), &dstst) != 0) throw_errno(errno, "edo::fs::copy", to);
  if (dstst.st_dev == sst.st_dev && dstst.st_ino == sst.st_ino) {
    throw std::system_error(
        EINVAL, std::generic_category(),
        detail::describe("edo::fs::copy", from, to) + ": source and destination are the same file");
  }
  if (::ftruncate(dst.get(), 0) != 0) throw_errno(errno, "edo::fs::copy", to);
  // An existing destination keeps its mode on open: give it the source's (as Rust does).
  if (S_ISREG(dstst.st_mode) && ::fchmod(dst.get(), perm) != 0) {
    throw_errno(errno, "edo::fs::copy", to);
  }
  return copy_contents(src.get(), dst.get(), from, to);
}

void remove_dir_all_blocking(const stdfs::path& p) {
  struct stat st;
  if (::lstat(p.c_str(), &st) != 0) throw_errno(errno, "edo::fs::remove_dir_all", p);
  if (S_ISLNK(st.st_mode)) {
    if (::unlink(p.c_str()) != 0) throw_errno(errno, "edo::fs::remove_dir_all", p);
    return;
  }
  if (!S_ISDIR(st.st_mode)) throw_errno(ENOTDIR, "edo::fs::remove_dir_all", p);
  std::error_code ec;
  stdfs::remove_all(p, ec);
  if (ec) throw_errno(ec.value(), "edo::fs::remove_dir_all", p);
}

void create_dir_all_blocking(const stdfs::path& p) {
  std::error_code ec;
  stdfs::create_directories(p, ec);
  if (ec) throw_errno(ec.value(), "edo::fs::create_dir_all", p);
}

file_metadata stat_blocking(const stdfs::path& p, bool follow, const char* op) {
  struct stat st;
  if ((follow ? ::stat(p.c_str(), &st) : ::lstat(p.c_str(), &st)) != 0) throw_errno(errno, op, p);
  return file_metadata(st);
}

stdfs::path read_link_blocking(const stdfs::path& p) {
  std::string buf(256, '\0');
  for (;;) {
    const ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
    if (n < 0) throw_errno(errno, "edo::fs::read_link", p);
    if (static_cast<std::size_t>(n) < buf.size()) {
      buf.resize(static_cast<std::size_t>(n));
      return stdfs::path(std::move(buf));
    }
    buf.resize(buf.size() * 2);  // possibly truncated: try a larger buffer
  }
}

stdfs::path canonicalize_blocking(const stdfs::path& p) {
  std::unique_ptr<char, decltype(&std::free)> r(::realpath(p.c_str(), nullptr), &std::free);
  if (!r) throw_errno(errno, "edo::fs::canonicalize", p);
  return stdfs::path(r.get());
}

}  // namespace

task<std::vector<std::byte>> read(stdfs::path path) {
  return detail::run("edo::fs::read", [path = std::move(path)] {
    unique_fd fd = detail::open_fd(path, O_RDONLY, 0, "edo::fs::read");
    std::vector<std::byte> out;
    read_all(fd.get(), out, "edo::fs::read", path);
    return out;
  });
}

task<std::string> read_to_string(stdfs::path path) {
  return detail::run("edo::fs::read_to_string", [path = std::move(path)] {
    unique_fd fd = detail::open_fd(path, O_RDONLY, 0, "edo::fs::read_to_string");
    std::string out;
    read_all(fd.get(), out, "edo::fs::read_to_string", path);
    return out;
  });
}

task<void> write(stdfs::path path, std::span<const std::byte> data) {
  return write_owned(std::move(path), std::vector<std::byte>(data.begin(), data.end()));
}

task<void> write(stdfs::path path, std::string_view data) {
  const auto b = std::as_bytes(std::span<const char>(data.data(), data.size()));
  return write_owned(std::move(path), std::vector<std::byte>(b.begin(), b.end()));
}

task<void> write(stdfs::path path, std::vector<std::byte>&& data) {
  return write_owned(std::move(path), std::move(data));
}

task<void> create_dir(stdfs::path path) {
  return detail::run("edo::fs::create_dir", [path = std::move(path)] {
    if (::mkdir(path.c_str(), 0777) != 0) throw_errno(errno, "edo::fs::create_dir", path);
  });
}

task<void> create_dir_all(stdfs::path path) {
  return detail::run("edo::fs::create_dir_all",
                     [path = std::move(path)] { create_dir_all_blocking(path); });
}

task<void> remove_file(stdfs::path path) {
  return detail::run("edo::fs::remove_file", [path = std::move(path)] {
    if (::unlink(path.c_str()) != 0) throw_errno(errno, "edo::fs::remove_file", path);
  });
}

task<void> remove_dir(stdfs::path path) {
  return detail::run("edo::fs::remove_dir", [path = std::move(path)] {
    if (::rmdir(path.c_str()) != 0) throw_errno(errno, "edo::fs::remove_dir", path);
  });
}

task<void> remove_dir_all(stdfs::path path) {
  return detail::run("edo::fs::remove_dir_all",
                     [path = std::move(path)] { remove_dir_all_blocking(path); });
}

task<void> rename(stdfs::path from, stdfs::path to) {
  return detail::run("edo::fs::rename", [from = std::move(from), to = std::move(to)] {
    if (::rename(from.c_str(), to.c_str()) != 0) throw_errno(errno, "edo::fs::rename", from, to);
  });
}

task<std::uint64_t> copy(stdfs::path from, stdfs::path to) {
  return detail::run("edo::fs::copy", [from = std::move(from), to = std::move(to)] {
    return copy_blocking(from, to);
  });
}

task<void> hard_link(stdfs::path original, stdfs::path link) {
  return detail::run("edo::fs::hard_link",
                     [original = std::move(original), link = std::move(link)] {
                       if (::link(original.c_str(), link.c_str()) != 0) {
                         throw_errno(errno, "edo::fs::hard_link", original, link);
                       }
                     });
}

task<void> symlink(stdfs::path target, stdfs::path link) {
  return detail::run("edo::fs::symlink", [target = std::move(target), link = std::move(link)] {
    if (::symlink(target.c_str(), link.c_str()) != 0) {
      throw_errno(errno, "edo::fs::symlink", target, link);
    }
  });
}

task<stdfs::path> read_link(stdfs::path path) {
  return detail::run("edo::fs::read_link",
                     [path = std::move(path)] { return read_link_blocking(path); });
}

task<file_metadata> metadata(stdfs::path path) {
  return detail::run("edo::fs::metadata", [path = std::move(path)] {
    return stat_blocking(path, true, "edo::fs::metadata");
  });
}

task<file_metadata> symlink_metadata(stdfs::path path) {
  return detail::run("edo::fs::symlink_metadata", [path = std::move(path)] {
    return stat_blocking(path, false, "edo::fs::symlink_metadata");
  });
}

task<void> set_permissions(stdfs::path path, stdfs::perms p) {
  return detail::run("edo::fs::set_permissions", [path = std::move(path), p] {
    const auto mode = static_cast<mode_t>(static_cast<unsigned>(p) & 07777);
    if (::chmod(path.c_str(), mode) != 0) throw_errno(errno, "edo::fs::set_permissions", path);
  });
}

task<stdfs::path> canonicalize(stdfs::path path) {
  return detail::run("edo::fs::canonicalize",
                     [path = std::move(path)] { return canonicalize_blocking(path); });
}

task<bool> try_exists(stdfs::path path) {
  return detail::run("edo::fs::try_exists", [path = std::move(path)] {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT) return false;
    throw_errno(errno, "edo::fs::try_exists", path);
  });
}

task<bool> exists(stdfs::path path) {
  return detail::run("edo::fs::exists", [path = std::move(path)] {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  });
}

}  // namespace edo::fs
