// edo::fs::read_dir, dir_reader and dir_entry (see <edo/fs/dir.hpp>).
//
// A dir_reader's state: the DIR stream, shared with the batch job reading it (closed when
// the last of them lets go), the current batch and how much of it was handed out, the job
// of a next_entry() whose await was cancelled (pending_: its batch is taken by the next
// call, so no entry is lost), and `done_` once readdir reported the end. Only one job reads
// the stream at a time: a new batch job starts only after the previous one was taken.
#include <edo/fs/dir.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include <edo/join_handle.hpp>

#include "fs/common.hpp"

namespace edo::fs {
namespace detail {

// An open DIR stream (or none yet); closedir in the destructor.
class dir_stream {
 public:
  dir_stream() noexcept = default;
  dir_stream(const dir_stream&) = delete;
  dir_stream& operator=(const dir_stream&) = delete;
  ~dir_stream() {
    if (d_ != nullptr) ::closedir(d_);
  }
  void adopt(DIR* d) noexcept { d_ = d; }
  DIR* get() const noexcept { return d_; }

 private:
  DIR* d_ = nullptr;
};

struct dir_batch {
  int err = 0;  // errno of a failed readdir (the entries before it are kept)
  bool end = false;
  std::vector<dir_entry> entries;
};

struct dir_state {
  dir_state(std::shared_ptr<dir_stream> d, std::filesystem::path path) noexcept
      : dir_(std::move(d)), path_(std::move(path)) {}

  std::shared_ptr<dir_stream> dir_;
  std::filesystem::path path_;
  std::vector<dir_entry> batch_;
  std::size_t next_ = 0;
  bool done_ = false;
  join_handle<dir_batch> pending_;
};

struct dir_access {
  static dir_reader make(std::shared_ptr<dir_stream> d, std::filesystem::path path) {
    return dir_reader(std::make_unique<dir_state>(std::move(d), std::move(path)));
  }
};

}  // namespace detail

namespace {

using detail::dir_batch;
using detail::dir_state;
using detail::dir_stream;

// Tokio's batch size.
constexpr std::size_t batch_size = 32;

std::filesystem::file_type type_of(DIR* d, const dirent& e) noexcept {
  using ft = std::filesystem::file_type;
  switch (e.d_type) {
    case DT_REG:
      return ft::regular;
    case DT_DIR:
      return ft::directory;
    case DT_LNK:
      return ft::symlink;
    case DT_BLK:
      return ft::block;
    case DT_CHR:
      return ft::character;
    case DT_FIFO:
      return ft::fifo;
    case DT_SOCK:
      return ft::socket;
    default:
      break;
  }
  // DT_UNKNOWN: this file system does not say; ask it.
  struct stat st;
  if (::fstatat(::dirfd(d), e.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return ft::unknown;
  return file_metadata::type_of(st.st_mode);
}

dir_batch read_batch(const dir_stream& d, const std::filesystem::path& dir) noexcept {
  dir_batch b;
  try {
    b.entries.reserve(batch_size);
    while (b.entries.size() < batch_size) {
      errno = 0;
      const dirent* e = ::readdir(d.get());
      if (e == nullptr) {
        if (errno != 0) {
          b.err = errno;
        } else {
          b.end = true;
        }
        break;
      }
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      b.entries.emplace_back(dir / e->d_name, type_of(d.get(), *e), e->d_ino);
    }
  } catch (...) {
    b.err = ENOMEM;
  }
  return b;
}

EDO_NOINLINE task<std::optional<dir_entry>> next_entry_impl(dir_state* s) {
  if (s == nullptr) co_return std::nullopt;
  if (s->next_ == s->batch_.size() && !s->done_) {
    if (!s->pending_) {
      auto job = [d = s->dir_, path = s->path_]() noexcept { return read_batch(*d, path); };
      s->pending_ = detail::submit_job(std::move(job));
    }
    // Cancel safe: a cancelled await leaves the job in pending_ for the next call.
    std::optional<dir_batch> b;
    try {
      b.emplace(co_await s->pending_);
    } catch (const edo::join_error&) {
      // The runtime refused the job (shutdown): the job itself never throws.
    }
    s->pending_ = {};
    if (!b) detail::throw_cancelled("edo::fs::dir_reader::next_entry");
    s->batch_ = std::move(b->entries);
    s->next_ = 0;
    s->done_ = b->end;
    if (b->err != 0 && s->batch_.empty()) {
      detail::throw_errno(b->err, "edo::fs::dir_reader::next_entry", s->path_);
    }
    // An error after some entries: those come first, the next call tries readdir again.
  }
  if (s->next_ == s->batch_.size()) {
    s->batch_.clear();
    s->next_ = 0;
    co_return std::nullopt;
  }
  co_return std::move(s->batch_[s->next_++]);
}

}  // namespace

task<file_metadata> dir_entry::metadata() const {
  return detail::run("edo::fs::dir_entry::metadata", [path = path_] {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      detail::throw_errno(errno, "edo::fs::dir_entry::metadata", path);
    }
    return file_metadata(st);
  });
}

dir_reader::dir_reader() noexcept = default;
dir_reader::dir_reader(std::unique_ptr<detail::dir_state> s) noexcept : st_(std::move(s)) {}
dir_reader::dir_reader(dir_reader&&) noexcept = default;
dir_reader& dir_reader::operator=(dir_reader&&) noexcept = default;
dir_reader::~dir_reader() = default;

task<std::optional<dir_entry>> dir_reader::next_entry() {
  return next_entry_impl(st_.get());
}

const std::filesystem::path& dir_reader::path() const noexcept {
  static const std::filesystem::path none;
  return st_ ? st_->path_ : none;
}

task<dir_reader> read_dir(std::filesystem::path path) {
  return [](std::filesystem::path p) -> task<dir_reader> {
    // Named: g++ 12 destroys a lambda temporary of a co_await expression twice (PR 100611).
    auto job = [p] {
      // O_CLOEXEC: opendir(3) alone does not promise it.
      auto stream = std::make_shared<dir_stream>();
      detail::unique_fd fd = detail::open_fd(p, O_RDONLY | O_DIRECTORY, 0, "edo::fs::read_dir");
      DIR* dir = ::fdopendir(fd.get());
      if (dir == nullptr) detail::throw_errno(errno, "edo::fs::read_dir", p);
      (void)fd.release();  // owned by the DIR now
      stream->adopt(dir);
      return stream;
    };
    auto d = co_await detail::run("edo::fs::read_dir", std::move(job));
    co_return detail::dir_access::make(std::move(d), std::move(p));
  }(std::move(path));
}

}  // namespace edo::fs
