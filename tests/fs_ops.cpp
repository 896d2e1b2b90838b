// edo::fs path functions: read, read_to_string, write, create_dir(_all), remove_file,
// remove_dir(_all), rename, copy, hard_link, symlink, read_link, metadata,
// symlink_metadata, set_permissions, canonicalize, exists, try_exists — their results and
// errors (errno and path in the message), argument lifetimes, cancellation, and the
// no-runtime error. Both runtime flavors; each test works in a fresh temporary directory
// and checks that no file descriptor leaked.
#include <edo/edo.hpp>
#include <edo/fs.hpp>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/fs_test.hpp"

namespace {

namespace fs = edo::fs;
namespace stdfs = std::filesystem;
using edo_test::failure_of;
using edo_test::get_file;
using edo_test::put_file;

class FsOps : public edo_test::fs_flavor_test {};

bool mentions(const std::string& what, const stdfs::path& p) {
  return what.find(p.native()) != std::string::npos;
}

TEST_P(FsOps, WriteThenReadBack) {
  auto rt = make_runtime();
  rt.block_on([](stdfs::path a, stdfs::path b) -> edo::task<> {
    co_await fs::write(a, "hello, file\n");
    EXPECT_EQ(co_await fs::read_to_string(a), "hello, file\n");
    const std::vector<std::byte> bin = edo_test::pattern(1000);
    co_await fs::write(b, std::span<const std::byte>(bin));
    EXPECT_EQ(co_await fs::read(b), bin);
    // write truncates: a shorter content replaces the longer one.
    co_await fs::write(a, std::string("short"));
    EXPECT_EQ(co_await fs::read_to_string(a), "short");
    // The vector overload takes the bytes over.
    std::vector<std::byte> moved = edo_test::pattern(10, 7);
    const std::vector<std::byte> expect = moved;
    co_await fs::write(b, std::move(moved));
    EXPECT_EQ(co_await fs::read(b), expect);
    // Empty files.
    co_await fs::write(a, "");
    EXPECT_TRUE((co_await fs::read(a)).empty());
    EXPECT_EQ(co_await fs::read_to_string(a), "");
  }(at("a.txt"), at("b.bin")));
  EXPECT_EQ(get_file(at("a.txt")), "");
}

TEST_P(FsOps, ReadsWhatOthersWrote) {
  put_file(at("x"), "from std::ofstream");
  auto rt = make_runtime();
  EXPECT_EQ(rt.block_on(fs::read_to_string(at("x"))), "from std::ofstream");
  // A file whose size stat does not know (procfs says 0).
  const std::string status = rt.block_on(fs::read_to_string("/proc/self/status"));
  EXPECT_NE(status.find("Pid:"), std::string::npos);
}

TEST_P(FsOps, MissingFileIsEnoentWithThePath) {
  auto rt = make_runtime();
  rt.block_on([](stdfs::path missing) -> edo::task<> {
    auto f = co_await failure_of(fs::read(missing));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    EXPECT_EQ(f.code.value(), ENOENT);
    EXPECT_TRUE(mentions(f.what, missing)) << f.what;
    EXPECT_NE(f.what.find("edo::fs::read"), std::string::npos) << f.what;
    f = co_await failure_of(fs::read_to_string(missing));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    f = co_await failure_of(fs::write(missing / "child", "x"));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    f = co_await failure_of(fs::remove_file(missing));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    f = co_await failure_of(fs::metadata(missing));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(mentions(f.what, missing)) << f.what;
  }(at("missing")));
}

TEST_P(FsOps, PermissionDeniedIsEacces) {
  if (edo_test::running_as_root()) GTEST_SKIP() << "root bypasses permission checks";
  put_file(at("secret"), "nope");
  ::chmod(at("secret").c_str(), 0);
  stdfs::create_directory(at("locked"));
  ::chmod(at("locked").c_str(), 0);
  auto rt = make_runtime();
  rt.block_on([](stdfs::path secret, stdfs::path locked) -> edo::task<> {
    auto f = co_await failure_of(fs::read(secret));
    EXPECT_EQ(f.code, std::errc::permission_denied);
    EXPECT_TRUE(mentions(f.what, secret)) << f.what;
    f = co_await failure_of(fs::write(secret, "x"));
    EXPECT_EQ(f.code, std::errc::permission_denied);
    f = co_await failure_of(fs::write(locked / "new", "x"));
    EXPECT_EQ(f.code, std::errc::permission_denied);
    // try_exists cannot tell: an error, not false; exists says false.
    f = co_await failure_of(fs::try_exists(locked / "x"));
    EXPECT_EQ(f.code, std::errc::permission_denied);
    EXPECT_FALSE(co_await fs::exists(locked / "x"));
  }(at("secret"), at("locked")));
}

TEST_P(FsOps, CreateAndRemoveDirectories) {
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    co_await fs::create_dir(root / "d");
    EXPECT_TRUE(stdfs::is_directory(root / "d"));
    auto f = co_await failure_of(fs::create_dir(root / "d"));
    EXPECT_EQ(f.code, std::errc::file_exists);
    f = co_await failure_of(fs::create_dir(root / "no" / "parent"));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);

    co_await fs::create_dir_all(root / "a" / "b" / "c");
    EXPECT_TRUE(stdfs::is_directory(root / "a" / "b" / "c"));
    co_await fs::create_dir_all(root / "a" / "b" / "c");  // exists already: fine
    put_file(root / "file", "x");
    f = co_await failure_of(fs::create_dir_all(root / "file" / "sub"));
    EXPECT_TRUE(f.code) << "create_dir_all through a file";
    EXPECT_TRUE(mentions(f.what, root / "file" / "sub")) << f.what;

    put_file(root / "a" / "b" / "f1", "1");
    put_file(root / "a" / "b" / "c" / "f2", "2");
    f = co_await failure_of(fs::remove_dir(root / "a"));
    EXPECT_EQ(f.code, std::errc::directory_not_empty);
    f = co_await failure_of(fs::remove_file(root / "a"));
    EXPECT_TRUE(f.code == std::errc::is_a_directory || f.code == std::errc::operation_not_permitted)
        << f.code.message();
    co_await fs::remove_file(root / "a" / "b" / "f1");
    EXPECT_FALSE(stdfs::exists(root / "a" / "b" / "f1"));
    co_await fs::remove_dir(root / "d");
    EXPECT_FALSE(stdfs::exists(root / "d"));

    // remove_dir_all: the tree goes; a symlink to a directory goes without its target.
    stdfs::create_directory(root / "keep");
    put_file(root / "keep" / "k", "k");
    stdfs::create_directory_symlink(root / "keep", root / "a" / "link");
    co_await fs::remove_dir_all(root / "a");
    EXPECT_FALSE(stdfs::exists(root / "a"));
    EXPECT_EQ(get_file(root / "keep" / "k"), "k");
    stdfs::create_directory_symlink(root / "keep", root / "top_link");
    co_await fs::remove_dir_all(root / "top_link");
    EXPECT_FALSE(stdfs::is_symlink(root / "top_link"));
    EXPECT_TRUE(stdfs::exists(root / "keep" / "k"));
    f = co_await failure_of(fs::remove_dir_all(root / "a"));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    f = co_await failure_of(fs::remove_dir_all(root / "file"));
    EXPECT_EQ(f.code, std::errc::not_a_directory);
  }(dir()));
}

TEST_P(FsOps, Rename) {
  put_file(at("from"), "payload");
  put_file(at("victim"), "old");
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    co_await fs::rename(root / "from", root / "to");
    EXPECT_FALSE(stdfs::exists(root / "from"));
    EXPECT_EQ(get_file(root / "to"), "payload");
    co_await fs::rename(root / "to", root / "victim");  // replaces
    EXPECT_EQ(get_file(root / "victim"), "payload");
    auto f = co_await failure_of(fs::rename(root / "gone", root / "x"));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(mentions(f.what, root / "gone") && mentions(f.what, root / "x")) << f.what;
  }(dir()));
}

TEST_P(FsOps, CopyContentsAndPermissions) {
  const auto content = edo_test::pattern(300'000, 3);
  put_file(at("src"), content);
  ::chmod(at("src").c_str(), 0640);
  put_file(at("dst_big"), edo_test::pattern(1'000'000, 9));
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root, std::vector<std::byte> data) -> edo::task<> {
    EXPECT_EQ(co_await fs::copy(root / "src", root / "dst"), data.size());
    EXPECT_EQ(edo_test::get_bytes(root / "dst"), data);
    EXPECT_EQ(stdfs::status(root / "dst").permissions(), static_cast<stdfs::perms>(0640));
    // An existing, longer destination is truncated, and takes the source's mode.
    EXPECT_EQ(co_await fs::copy(root / "src", root / "dst_big"), data.size());
    EXPECT_EQ(edo_test::get_bytes(root / "dst_big"), data);
    EXPECT_EQ(stdfs::status(root / "dst_big").permissions(), static_cast<stdfs::perms>(0640));
    // Not onto itself (that would truncate the source), not from a directory.
    auto f = co_await failure_of(fs::copy(root / "src", root / "src"));
    EXPECT_EQ(f.code, std::errc::invalid_argument);
    EXPECT_EQ(edo_test::get_bytes(root / "src"), data);
    stdfs::create_directory(root / "dir");
    f = co_await failure_of(fs::copy(root / "dir", root / "x"));
    EXPECT_EQ(f.code, std::errc::invalid_argument);
    f = co_await failure_of(fs::copy(root / "missing", root / "x"));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
    EXPECT_FALSE(stdfs::exists(root / "x"));
    // An empty file.
    put_file(root / "empty", "");
    EXPECT_EQ(co_await fs::copy(root / "empty", root / "empty2"), 0u);
    EXPECT_EQ(get_file(root / "empty2"), "");
  }(dir(), content));
}

TEST_P(FsOps, MetadataOfFilesDirsAndLinks) {
  put_file(at("f"), "12345");
  ::chmod(at("f").c_str(), 0604);
  // A fixed modification time, so that modified() is checked without the clock.
  const timespec times[2] = {{1'000'000'000, 0}, {1'234'567'890, 123'456'789}};
  ::utimensat(AT_FDCWD, at("f").c_str(), times, 0);
  stdfs::create_directory(at("d"));
  stdfs::create_symlink("f", at("link"));
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    const fs::file_metadata m = co_await fs::metadata(root / "f");
    EXPECT_EQ(m.size(), 5u);
    EXPECT_TRUE(m.is_file());
    EXPECT_FALSE(m.is_dir());
    EXPECT_FALSE(m.is_symlink());
    EXPECT_EQ(m.type(), stdfs::file_type::regular);
    EXPECT_EQ(m.permissions(), static_cast<stdfs::perms>(0604));
    EXPECT_FALSE(m.readonly());
    EXPECT_EQ(m.nlink(), 1u);
    using namespace std::chrono;
    EXPECT_EQ(
        m.modified().time_since_epoch(),
        duration_cast<system_clock::duration>(seconds(1'234'567'890) + nanoseconds(123'456'789)));
    EXPECT_EQ(m.accessed().time_since_epoch(),
              duration_cast<system_clock::duration>(seconds(1'000'000'000)));

    const fs::file_metadata d = co_await fs::metadata(root / "d");
    EXPECT_TRUE(d.is_dir());
    EXPECT_FALSE(d.is_file());
    // metadata follows the link; symlink_metadata describes it.
    const fs::file_metadata followed = co_await fs::metadata(root / "link");
    EXPECT_TRUE(followed.is_file());
    EXPECT_EQ(followed.ino(), m.ino());
    const fs::file_metadata link = co_await fs::symlink_metadata(root / "link");
    EXPECT_TRUE(link.is_symlink());
    EXPECT_EQ(link.size(), 1u);  // the length of "f"

    co_await fs::set_permissions(root / "f", stdfs::perms::owner_read);
    EXPECT_EQ(stdfs::status(root / "f").permissions(), stdfs::perms::owner_read);
    EXPECT_TRUE((co_await fs::metadata(root / "f")).readonly());
    auto f = co_await failure_of(fs::set_permissions(root / "nope", stdfs::perms::owner_all));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
  }(dir()));
}

TEST_P(FsOps, LinksAndCanonicalize) {
  put_file(at("target"), "t");
  stdfs::create_directory(at("sub"));
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    co_await fs::symlink("target", root / "sym");
    EXPECT_EQ(co_await fs::read_link(root / "sym"), stdfs::path("target"));
    EXPECT_EQ(co_await fs::read_to_string(root / "sym"), "t");
    auto f = co_await failure_of(fs::read_link(root / "target"));
    EXPECT_EQ(f.code, std::errc::invalid_argument);
    f = co_await failure_of(fs::symlink("x", root / "sym"));
    EXPECT_EQ(f.code, std::errc::file_exists);
    // A long target (readlink's buffer grows).
    const std::string long_target(1000, 'x');
    co_await fs::symlink(long_target, root / "long");
    EXPECT_EQ((co_await fs::read_link(root / "long")).native(), long_target);

    co_await fs::hard_link(root / "target", root / "hard");
    EXPECT_EQ((co_await fs::metadata(root / "target")).nlink(), 2u);
    EXPECT_EQ(get_file(root / "hard"), "t");

    const stdfs::path canon = co_await fs::canonicalize(root / "sub" / ".." / "." / "sym");
    EXPECT_EQ(canon, stdfs::canonical(root / "target"));
    EXPECT_TRUE(canon.is_absolute());
    f = co_await failure_of(fs::canonicalize(root / "nope" / ".."));
    EXPECT_EQ(f.code, std::errc::no_such_file_or_directory);
  }(dir()));
}

TEST_P(FsOps, ExistsAndTryExists) {
  put_file(at("file"), "x");
  stdfs::create_symlink(at("nowhere"), at("dangling"));
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    EXPECT_TRUE(co_await fs::exists(root / "file"));
    EXPECT_TRUE(co_await fs::try_exists(root / "file"));
    EXPECT_TRUE(co_await fs::try_exists(root));
    EXPECT_FALSE(co_await fs::exists(root / "missing"));
    EXPECT_FALSE(co_await fs::try_exists(root / "missing"));
    EXPECT_FALSE(co_await fs::try_exists(root / "dangling"));
    // Through a file: ENOTDIR is an error for try_exists, false for exists.
    auto f = co_await failure_of(fs::try_exists(root / "file" / "x"));
    EXPECT_EQ(f.code, std::errc::not_a_directory);
    EXPECT_FALSE(co_await fs::exists(root / "file" / "x"));
  }(dir()));
}

TEST_P(FsOps, ArgumentsAreCopiedWhenCalled) {
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    // The task is created now and awaited later: the path and the bytes it was given must
    // not be referenced from the caller's variables.
    std::string data = "first";
    std::vector<std::byte> bin = edo_test::pattern(64);
    const std::vector<std::byte> bin_copy = bin;
    stdfs::path p = root / "one";
    auto w1 = fs::write(p, data);
    auto w2 = fs::write(root / "two", std::span<const std::byte>(bin));
    data.assign(100, 'z');
    bin.assign(3, std::byte{0});
    p = root / "elsewhere";
    co_await std::move(w1);
    co_await std::move(w2);
    EXPECT_EQ(get_file(root / "one"), "first");
    EXPECT_EQ(edo_test::get_bytes(root / "two"), bin_copy);
    EXPECT_FALSE(stdfs::exists(root / "elsewhere"));
  }(dir()));
}

// A cancelled call's job still runs on the pool (it only loses its awaiter): its effect
// happens, its result is dropped (a descriptor closed), its error is dropped without a
// report on stderr, and nothing leaks.
TEST_P(FsOps, CancelledCallsFinishOnThePoolAndLeakNothing) {
  const auto content = edo_test::pattern(1 << 20, 5);
  put_file(at("big"), content);
  testing::internal::CaptureStderr();
  {
    auto rt = make_one_blocking_thread_runtime();
    rt.block_on([](stdfs::path root, std::vector<std::byte> data) -> edo::task<> {
      using edo_test::cancel_while_pool_held;
      for (int i = 0; i < 5; ++i) {
        const std::string n = std::to_string(i);
        EXPECT_FALSE(co_await cancel_while_pool_held(fs::read(root / "big")));
        EXPECT_FALSE(co_await cancel_while_pool_held(fs::read(root / "missing")));
        EXPECT_FALSE(co_await cancel_while_pool_held(fs::copy(root / "big", root / ("copy" + n))));
        EXPECT_FALSE(co_await cancel_while_pool_held(
            fs::write(root / ("w" + n), std::span<const std::byte>(data))));
        EXPECT_FALSE(co_await cancel_while_pool_held(fs::create_dir(root / ("d" + n))));
        EXPECT_FALSE(co_await cancel_while_pool_held(fs::remove_file(root / "missing")));
      }
      // One thread, FIFO: once this job is done, so are all the cancelled ones.
      co_await fs::metadata(root);
      for (int i = 0; i < 5; ++i) {
        const std::string n = std::to_string(i);
        EXPECT_EQ(edo_test::get_bytes(root / ("copy" + n)), data);
        EXPECT_EQ(edo_test::get_bytes(root / ("w" + n)), data);
        EXPECT_TRUE(stdfs::is_directory(root / ("d" + n)));
      }
    }(dir(), content));
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("nobody awaited"), std::string::npos) << err;
}

TEST(FsNoRuntime, ThrowsNoRuntime) {
  EXPECT_THROW(edo::block_on(fs::read("/etc/hostname")), edo::no_runtime);
  EXPECT_THROW(edo::block_on(fs::file::open("/etc/hostname")), edo::no_runtime);
  // Creating the task outside a runtime does nothing: it is lazy.
  auto t = fs::remove_file("/definitely/not/here");
  EXPECT_TRUE(t.valid());
}

INSTANTIATE_TEST_SUITE_P(Flavors, FsOps, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
