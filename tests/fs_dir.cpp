// edo::fs::read_dir, dir_reader::next_entry and dir_entry: every entry once (across
// batches), types without following symlinks, entry metadata, errors, an empty directory,
// cancellation of next_entry (no entry lost) and of read_dir, a reader dropped mid-way.
// Both runtime flavors; each test works in a fresh temporary directory and checks that no
// file descriptor leaked.
#include <edo/edo.hpp>
#include <edo/fs.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>

#include <map>
#include <set>
#include <string>

#include "support/fs_test.hpp"

namespace {

namespace fs = edo::fs;
namespace stdfs = std::filesystem;
using edo_test::failure_of;
using edo_test::put_file;

class FsDir : public edo_test::fs_flavor_test {};

// 100 files, 3 directories, a symlink to a file and a dangling one.
std::map<std::string, stdfs::file_type> populate(const stdfs::path& root) {
  std::map<std::string, stdfs::file_type> expect;
  for (int i = 0; i < 100; ++i) {
    const std::string name = "file" + std::to_string(i);
    put_file(root / name, name);
    expect[name] = stdfs::file_type::regular;
  }
  for (const char* d : {"d1", "d2", "d3"}) {
    stdfs::create_directory(root / d);
    expect[d] = stdfs::file_type::directory;
  }
  put_file(root / "d1" / "nested", "not listed");
  stdfs::create_symlink("file1", root / "link");
  expect["link"] = stdfs::file_type::symlink;
  stdfs::create_symlink("nowhere", root / "dangling");
  expect["dangling"] = stdfs::file_type::symlink;
  return expect;
}

TEST_P(FsDir, ListsEveryEntryOnceWithItsType) {
  const auto expected = populate(dir());
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root, std::map<std::string, stdfs::file_type> expect) -> edo::task<> {
    fs::dir_reader reader = co_await fs::read_dir(root);
    EXPECT_EQ(reader.path(), root);
    std::map<std::string, stdfs::file_type> seen;
    while (auto e = co_await reader.next_entry()) {
      EXPECT_EQ(e->path().parent_path(), root);
      EXPECT_EQ(e->path().filename(), e->file_name());
      EXPECT_NE(e->ino(), 0u);
      const bool fresh = seen.emplace(e->file_name().string(), e->file_type()).second;
      EXPECT_TRUE(fresh) << "twice: " << e->file_name();
      if (e->file_name() == "link") {
        EXPECT_TRUE(e->is_symlink());
        EXPECT_TRUE((co_await e->metadata()).is_symlink());  // not followed
      }
      if (e->file_name() == "d2") {
        EXPECT_TRUE(e->is_dir());
        EXPECT_TRUE((co_await e->metadata()).is_dir());
      }
      if (e->file_name() == "file42") {
        EXPECT_TRUE(e->is_file());
        EXPECT_EQ((co_await e->metadata()).size(), 6u);
      }
    }
    EXPECT_EQ(seen, expect);
    // The end stays the end.
    EXPECT_FALSE(co_await reader.next_entry());
    EXPECT_FALSE(co_await reader.next_entry());
  }(dir(), expected));
}

TEST_P(FsDir, EmptyDirectoryAndDefaultReader) {
  stdfs::create_directory(at("empty"));
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    fs::dir_reader r = co_await fs::read_dir(p);
    EXPECT_FALSE(co_await r.next_entry());
    fs::dir_reader none;
    EXPECT_FALSE(co_await none.next_entry());
    fs::dir_reader moved = std::move(r);
    EXPECT_FALSE(co_await moved.next_entry());
  }(at("empty")));
}

TEST_P(FsDir, Errors) {
  put_file(at("file"), "x");
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    auto f = co_await failure_of(fs::read_dir(root / "missing"));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    EXPECT_NE(f.what.find((root / "missing").native()), std::string::npos) << f.what;
    f = co_await failure_of(fs::read_dir(root / "file"));
    EXPECT_EQ(f.code, std::errc::not_a_directory);
    // An entry removed after it was listed: its metadata is ENOENT.
    fs::dir_reader r = co_await fs::read_dir(root);
    auto e = co_await r.next_entry();
    CO_ASSERT_TRUE(e.has_value());
    stdfs::remove(e->path());
    f = co_await failure_of(e->metadata());
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
  }(dir()));
}

TEST_P(FsDir, PermissionDenied) {
  if (edo_test::running_as_root()) GTEST_SKIP() << "root bypasses permission checks";
  stdfs::create_directory(at("locked"));
  stdfs::permissions(at("locked"), stdfs::perms::none);
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    auto f = co_await failure_of(fs::read_dir(p));
    EXPECT_EQ(f.code, std::errc::permission_denied);
  }(at("locked")));
}

TEST_P(FsDir, DirectoryIsCloseOnExecAndClosedWithTheReader) {
  populate(dir());
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    const int before = edo_test::open_fds();
    {
      fs::dir_reader r = co_await fs::read_dir(root);
      EXPECT_EQ(edo_test::open_fds(), before + 1);
      // Find the new descriptor: the highest-numbered /proc/self/fd entry pointing at root.
      bool cloexec_checked = false;
      const stdfs::path real = stdfs::canonical(root);
      for (const auto& e : stdfs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        if (stdfs::read_symlink(e.path(), ec) == real) {
          const int fd = std::stoi(e.path().filename().string());
          EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
          cloexec_checked = true;
        }
      }
      EXPECT_TRUE(cloexec_checked);
      co_await r.next_entry();  // dropped mid-way
    }
    EXPECT_EQ(edo_test::open_fds(), before);
  }(dir()));
}

// next_entry is cancel safe: the batch fetched by a cancelled call is kept.
TEST_P(FsDir, CancelledNextEntryLosesNothing) {
  const auto expected = populate(dir());
  auto rt = make_one_blocking_thread_runtime();
  rt.block_on([](stdfs::path root, std::map<std::string, stdfs::file_type> expect) -> edo::task<> {
    fs::dir_reader reader = co_await fs::read_dir(root);
    std::set<std::string> seen;
    int cancelled = 0;
    for (int i = 0;; ++i) {
      std::optional<fs::dir_entry> e;
      if (i % 2 == 0) {
        auto r = co_await edo_test::cancel_while_pool_held(reader.next_entry());
        if (!r) {
          ++cancelled;
          continue;
        }
        e = std::move(*r);
      } else {
        e = co_await reader.next_entry();
      }
      if (!e) break;
      EXPECT_TRUE(seen.insert(e->file_name().string()).second);
    }
    EXPECT_EQ(seen.size(), expect.size());
    EXPECT_GE(cancelled, 1);
    // A cancelled read_dir closes the directory it opened (the fixture counts fds).
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(fs::read_dir(root)));
    // A reader destroyed with a batch job pending.
    fs::dir_reader r2 = co_await fs::read_dir(root);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(r2.next_entry()));
  }(dir(), expected));
}

TEST_P(FsDir, WalkATreeRecursively) {
  // a/b/c... 6 levels, 3 files each.
  stdfs::path p = dir();
  for (int level = 0; level < 6; ++level) {
    p /= "level" + std::to_string(level);
    stdfs::create_directory(p);
    for (int i = 0; i < 3; ++i) put_file(p / ("f" + std::to_string(i)), "x");
  }
  auto rt = make_runtime();
  const int files = rt.block_on([](stdfs::path root) -> edo::task<int> {
    int n = 0;
    std::vector<stdfs::path> todo{root};
    while (!todo.empty()) {
      fs::dir_reader r = co_await fs::read_dir(todo.back());
      todo.pop_back();
      while (auto e = co_await r.next_entry()) {
        if (e->is_dir()) {
          todo.push_back(e->path());
        } else {
          ++n;
        }
      }
    }
    co_return n;
  }(dir()));
  EXPECT_EQ(files, 18);
}

INSTANTIATE_TEST_SUITE_P(Flavors, FsDir, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
