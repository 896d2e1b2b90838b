// edo::fs::file and open_options: open/create/create_new, every option and its validation,
// read_some / read_exact / write_some / write_all, seek, position, set_len, sync_all,
// sync_data, metadata, set_permissions, from_fd, O_CLOEXEC, max_buf_size, the
// edo::io::async_read/async_write model, large files, and cancellation of each kind of
// operation (bytes of a cancelled read come back, a cancelled write still lands, its error
// surfaces at the next operation, a file destroyed mid-job closes its fd afterwards). Both
// runtime flavors; each test works in a fresh temporary directory and checks that no file
// descriptor leaked.
#include <edo/edo.hpp>
#include <edo/fs.hpp>
#include <edo/io/error.hpp>
#include <edo/io/util.hpp>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "support/fs_test.hpp"

namespace {

namespace fs = edo::fs;
namespace stdfs = std::filesystem;
using edo_test::bytes;
using edo_test::failure_of;
using edo_test::get_bytes;
using edo_test::get_file;
using edo_test::put_file;
using edo_test::str;

static_assert(edo::io::async_read<fs::file>);
static_assert(edo::io::async_write<fs::file>);
static_assert(!std::is_copy_constructible_v<fs::file>);
static_assert(std::is_nothrow_move_constructible_v<fs::file>);

class FsFile : public edo_test::fs_flavor_test {};

edo::task<std::string> read_all(fs::file& f) {
  std::string out;
  co_await edo::io::read_to_string(f, out);
  co_return out;
}

TEST_P(FsFile, CreateWriteSeekRead) {
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    {
      fs::file f = co_await fs::file::create(p);
      EXPECT_TRUE(f);
      EXPECT_EQ(f.path(), p);
      co_await f.write_all("hello ");
      EXPECT_EQ(co_await f.write_some(bytes("world")), 5u);
      EXPECT_EQ(co_await f.position(), 11u);
      co_await f.sync_all();
      co_await f.sync_data();
      co_await f.flush();
      co_await f.shutdown();
    }
    EXPECT_EQ(get_file(p), "hello world");
    fs::file f = co_await fs::file::open(p);
    std::array<std::byte, 5> five;
    EXPECT_EQ(co_await f.read_exact(five), 5u);
    EXPECT_EQ(str(five), "hello");
    EXPECT_EQ(co_await f.seek(6), 6u);
    std::array<std::byte, 64> buf;
    const std::size_t n = co_await f.read_some(buf);
    EXPECT_EQ(str({buf.data(), n}), "world");
    EXPECT_EQ(co_await f.read_some(buf), 0u);  // EOF
    EXPECT_EQ(co_await f.read_some(buf), 0u);  // and again
    EXPECT_EQ(co_await f.read_some(std::span<std::byte>()), 0u);
    EXPECT_EQ(co_await f.seek(-5, fs::seek_from::end), 6u);
    EXPECT_EQ(co_await f.seek(2, fs::seek_from::current), 8u);
    EXPECT_EQ(str({buf.data(), co_await f.read_some(buf)}), "rld");
    EXPECT_EQ(co_await f.seek(0), 0u);
    EXPECT_EQ(co_await read_all(f), "hello world");
    // read_exact past the end: unexpected_eof, with the path.
    co_await f.seek(8);
    auto fail = co_await failure_of(f.read_exact(five));
    EXPECT_EQ(fail.code, edo::io::errc::unexpected_eof);
    EXPECT_NE(fail.what.find(p.native()), std::string::npos) << fail.what;
    // A negative position.
    fail = co_await failure_of(f.seek(-1, fs::seek_from::start));
    EXPECT_EQ(fail.code, std::errc::invalid_argument);
  }(at("f.txt")));
}

TEST_P(FsFile, OpenOptions) {
  put_file(at("existing"), "0123456789");
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    // append: every write at the end, whatever the position.
    {
      fs::file f = co_await fs::open_options().append(true).open(root / "existing");
      co_await f.write_all("AB");
      co_await f.seek(0);
      co_await f.write_all("CD");
    }
    EXPECT_EQ(get_file(root / "existing"), "0123456789ABCD");
    // read + write without truncation: overwrite in place.
    {
      fs::file f = co_await fs::open_options().read(true).write(true).open(root / "existing");
      std::array<std::byte, 2> two;
      co_await f.read_exact(two);
      EXPECT_EQ(str(two), "01");
      co_await f.write_all("xy");
    }
    EXPECT_EQ(get_file(root / "existing"), "01xy456789ABCD");
    // truncate.
    {
      fs::file f = co_await fs::open_options().write(true).truncate(true).open(root / "existing");
      co_await f.write_all("t");
    }
    EXPECT_EQ(get_file(root / "existing"), "t");
    // create, and its absence.
    auto fail = co_await failure_of(fs::open_options().write(true).open(root / "new"));
    EXPECT_EQ(fail.code, std::errc::no_such_file_or_directory);
    { fs::file f = co_await fs::open_options().write(true).create(true).open(root / "new"); }
    EXPECT_TRUE(stdfs::exists(root / "new"));
    // create_new: EEXIST if present.
    fail = co_await failure_of(fs::file::create_new(root / "new"));
    EXPECT_EQ(fail.code, std::errc::file_exists);
    {
      fs::file f = co_await fs::file::create_new(root / "brand_new");
      co_await f.write_all("rw");
      co_await f.seek(0);
      EXPECT_EQ(co_await read_all(f), "rw");  // read-write
    }
    // mode (before the umask).
    const mode_t mask = ::umask(022);
    ::umask(mask);
    {
      fs::file f =
          co_await fs::open_options().write(true).create(true).mode(0640).open(root / "moded");
    }
    EXPECT_EQ(stdfs::status(root / "moded").permissions(), static_cast<stdfs::perms>(0640 & ~mask));
    // custom_flags: O_NOFOLLOW refuses a symlink.
    stdfs::create_symlink(root / "new", root / "link");
    fail = co_await failure_of(
        fs::open_options().read(true).custom_flags(O_NOFOLLOW).open(root / "link"));
    EXPECT_EQ(fail.code, std::errc::too_many_symbolic_link_levels);
    // Invalid combinations (Rust's rules): EINVAL at the await, not at the call.
    auto invalid = [](fs::open_options o) { return failure_of(o.open("/nonexistent")); };
    EXPECT_EQ((co_await invalid(fs::open_options())).code, std::errc::invalid_argument);
    EXPECT_EQ((co_await invalid(fs::open_options().read(true).truncate(true))).code,
              std::errc::invalid_argument);
    EXPECT_EQ((co_await invalid(fs::open_options().read(true).create(true))).code,
              std::errc::invalid_argument);
    EXPECT_EQ((co_await invalid(fs::open_options().append(true).truncate(true))).code,
              std::errc::invalid_argument);
    EXPECT_THROW((void)fs::open_options().flags(), std::system_error);
    EXPECT_NE(fs::open_options().read(true).flags() & O_CLOEXEC, 0);
    // Errors name the path; a directory cannot be opened for writing.
    fail = co_await failure_of(fs::file::open(root / "missing"));
    EXPECT_EQ(fail.code, std::errc::no_such_file_or_directory);
    EXPECT_NE(fail.what.find((root / "missing").native()), std::string::npos) << fail.what;
    fail = co_await failure_of(fs::file::create(root));
    EXPECT_EQ(fail.code, std::errc::is_a_directory);
  }(dir()));
}

TEST_P(FsFile, PermissionDenied) {
  if (edo_test::running_as_root()) GTEST_SKIP() << "root bypasses permission checks";
  put_file(at("ro"), "x");
  ::chmod(at("ro").c_str(), 0400);
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    auto fail = co_await failure_of(fs::file::create(p));
    EXPECT_EQ(fail.code, std::errc::permission_denied);
    EXPECT_NE(fail.what.find(p.native()), std::string::npos) << fail.what;
    fs::file f = co_await fs::file::open(p);  // reading is allowed
    EXPECT_EQ(co_await read_all(f), "x");
  }(at("ro")));
}

TEST_P(FsFile, SetLenMetadataPermissions) {
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    fs::file f = co_await fs::open_options().read(true).write(true).create(true).open(p);
    co_await f.write_all("0123456789");
    co_await f.set_len(4);
    EXPECT_EQ(co_await f.position(), 10u);  // set_len does not move the position
    fs::file_metadata m = co_await f.metadata();
    EXPECT_EQ(m.size(), 4u);
    EXPECT_TRUE(m.is_file());
    co_await f.set_len(8);  // extends with zeros
    co_await f.seek(0);
    EXPECT_EQ(co_await read_all(f), std::string("0123\0\0\0\0", 8));
    co_await f.set_permissions(stdfs::perms::owner_read | stdfs::perms::owner_write);
    m = co_await f.metadata();
    EXPECT_EQ(m.permissions(), stdfs::perms::owner_read | stdfs::perms::owner_write);
    EXPECT_EQ(m.ino(), (co_await fs::metadata(p)).ino());
  }(at("len")));
}

TEST_P(FsFile, WrongAccessModeIsEbadfWithThePath) {
  put_file(at("r"), "content");
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    fs::file ro = co_await fs::file::open(p);
    auto fail = co_await failure_of(ro.write_all("x"));
    EXPECT_EQ(fail.code, std::errc::bad_file_descriptor);
    EXPECT_NE(fail.what.find(p.native()), std::string::npos) << fail.what;
    fail = co_await failure_of(ro.set_len(0));
    EXPECT_TRUE(fail.code == std::errc::invalid_argument ||
                fail.code == std::errc::bad_file_descriptor)
        << fail.code.message();
    fs::file wo = co_await fs::open_options().write(true).open(p);
    std::array<std::byte, 4> buf;
    fail = co_await failure_of(wo.read_some(buf));
    EXPECT_EQ(fail.code, std::errc::bad_file_descriptor);
    // The file still works after an error.
    EXPECT_EQ(co_await ro.read_some(buf), 4u);
  }(at("r")));
}

TEST_P(FsFile, MovedFromAndDefaultFilesAreNotOpen) {
  put_file(at("m"), "moved");
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    fs::file a = co_await fs::file::open(p);
    const int fd = a.native_handle();
    fs::file b = std::move(a);
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): testing the moved-from state
    EXPECT_EQ(a.native_handle(), -1);
    EXPECT_EQ(b.native_handle(), fd);
    std::array<std::byte, 8> buf;
    auto fail = co_await failure_of(a.read_some(buf));
    EXPECT_EQ(fail.code, std::errc::bad_file_descriptor);
    EXPECT_EQ(str({buf.data(), co_await b.read_some(buf)}), "moved");
    fs::file c;
    EXPECT_FALSE(c);
    fail = co_await failure_of(c.sync_all());
    EXPECT_EQ(fail.code, std::errc::bad_file_descriptor);
    c = std::move(b);
    EXPECT_EQ(c.native_handle(), fd);
  }(at("m")));
}

TEST_P(FsFile, DescriptorsAreCloseOnExec) {
  put_file(at("c"), "c");
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    fs::file a = co_await fs::file::open(p);
    EXPECT_NE(::fcntl(a.native_handle(), F_GETFD) & FD_CLOEXEC, 0);
    fs::file b = co_await fs::open_options().append(true).open(p);
    EXPECT_NE(::fcntl(b.native_handle(), F_GETFD) & FD_CLOEXEC, 0);
    // from_fd adopts a descriptor and makes it close-on-exec.
    const int raw = ::open(p.c_str(), O_RDONLY);
    EXPECT_EQ(::fcntl(raw, F_GETFD) & FD_CLOEXEC, 0);
    fs::file c = fs::file::from_fd(raw, p);
    EXPECT_NE(::fcntl(raw, F_GETFD) & FD_CLOEXEC, 0);
    EXPECT_EQ(co_await read_all(c), "c");
  }(at("c")));
}

TEST_P(FsFile, LargeFileInSmallAndDefaultChunks) {
  const auto content = edo_test::pattern((5 << 20) + 123, 11);  // > 2 jobs of 2 MiB
  auto rt = make_runtime();
  rt.block_on([](stdfs::path p, std::vector<std::byte> data) -> edo::task<> {
    {
      fs::file f = co_await fs::file::create(p);
      EXPECT_EQ(f.max_buf_size(), fs::file::default_max_buf_size);
      // write_some moves at most max_buf_size() bytes.
      EXPECT_EQ(co_await f.write_some(data), fs::file::default_max_buf_size);
      co_await f.write_all(
          std::span<const std::byte>(data).subspan(fs::file::default_max_buf_size));
      co_await f.sync_all();
      EXPECT_EQ((co_await f.metadata()).size(), data.size());
    }
    EXPECT_EQ(get_bytes(p), data);
    fs::file f = co_await fs::file::open(p);
    std::vector<std::byte> back(data.size() + 10);
    EXPECT_EQ(co_await f.read_some(back), fs::file::default_max_buf_size);
    co_await f.seek(0);
    f.set_max_buf_size(64 * 1024);
    std::size_t got = 0, reads = 0;
    while (std::size_t n = co_await f.read_some(std::span<std::byte>(back).subspan(got))) {
      EXPECT_LE(n, 64u * 1024);
      got += n;
      ++reads;
    }
    EXPECT_EQ(got, data.size());
    EXPECT_GE(reads, data.size() / (64 * 1024));
    back.resize(got);
    EXPECT_TRUE(back == data);
    // The async_read / async_write model: edo::io::copy between two files.
    co_await f.seek(0);
    fs::file out = co_await fs::file::create(stdfs::path(p).concat(".copy"));
    EXPECT_EQ(co_await edo::io::copy(f, out), data.size());
  }(at("large"), content));
  EXPECT_EQ(get_bytes(at("large.copy")), content);
}

// A read_some whose await is cancelled keeps its bytes: the next read_some returns them, so
// the concatenation of every returned chunk is the file.
TEST_P(FsFile, CancelledReadLosesNoBytes) {
  const auto content = edo_test::pattern(100'000, 4);
  put_file(at("r"), content);
  auto rt = make_one_blocking_thread_runtime();
  rt.block_on([](stdfs::path p, std::vector<std::byte> data) -> edo::task<> {
    fs::file f = co_await fs::file::open(p);
    f.set_max_buf_size(4096);
    std::vector<std::byte> got;
    std::array<std::byte, 1000> buf;  // smaller than a job's read: leftovers get split
    int cancelled = 0;
    for (int i = 0;; ++i) {
      std::size_t n = 0;
      if (i % 3 == 0) {
        // Cancelled unless it is served from the bytes a cancelled read left.
        auto r = co_await edo_test::cancel_while_pool_held(f.read_some(buf));
        if (!r) {
          ++cancelled;
          continue;
        }
        n = *r;
      } else {
        n = co_await f.read_some(buf);
      }
      if (n == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    }
    EXPECT_TRUE(got == data) << got.size() << " bytes vs " << data.size();
    EXPECT_GT(cancelled, 10);
    // The logical position does not count bytes read by a cancelled job but not returned.
    co_await f.seek(0);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.read_some(buf)));
    EXPECT_EQ(co_await f.position(), 0u);
    std::array<std::byte, 10> ten;
    co_await f.read_exact(ten);
    EXPECT_TRUE(std::equal(ten.begin(), ten.end(), data.begin()));
    // A write after a cancelled read goes where the caller's position is.
    fs::file rw = co_await fs::open_options().read(true).write(true).open(p);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(rw.read_some(ten)));
    co_await rw.write_all("XY");
    EXPECT_EQ(co_await rw.position(), 2u);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(rw.read_some(ten)));
    EXPECT_EQ(co_await rw.seek(1, fs::seek_from::current), 3u);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(rw.read_some(ten)));
    co_await rw.set_len(5);
    EXPECT_EQ(co_await rw.position(), 3u);
    std::array<std::byte, 2> two;
    co_await rw.read_exact(two);
    EXPECT_TRUE(std::equal(two.begin(), two.end(), data.begin() + 3));
  }(at("r"), content));
  auto back = get_bytes(at("r"));
  ASSERT_EQ(back.size(), 5u);
  EXPECT_EQ(str({back.data(), 2}), "XY");
}

// A write whose await was cancelled still happens; flush() waits for it. So do a cancelled
// set_len and seek, in order, before the next operation.
TEST_P(FsFile, CancelledWriteStillLands) {
  const auto content = edo_test::pattern(1 << 20, 6);
  auto rt = make_one_blocking_thread_runtime();
  rt.block_on([](stdfs::path p, std::vector<std::byte> data) -> edo::task<> {
    fs::file f = co_await fs::open_options().read(true).write(true).create(true).open(p);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.write_some(data)));
    co_await f.flush();
    EXPECT_EQ((co_await f.metadata()).size(), data.size());
    EXPECT_EQ(co_await f.position(), data.size());
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.set_len(10)));
    // (An operation cancelled while it still waits for such a left-over job never starts
    // its own: flush first, so that the seek's job is the one cancelled.)
    co_await f.flush();
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.seek(3)));
    std::array<std::byte, 7> rest;
    co_await f.read_exact(rest);
    EXPECT_TRUE(std::equal(rest.begin(), rest.end(), data.begin() + 3));
    std::array<std::byte, 1> one;
    EXPECT_EQ(co_await f.read_some(one), 0u);
    // A cancelled metadata() changes nothing.
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.metadata()));
    EXPECT_EQ(co_await f.position(), 10u);
    // write_all: cancelled after its first job; that job's bytes land.
    co_await f.seek(0);
    f.set_max_buf_size(4);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.write_all("abcdefgh")));
    co_await f.sync_all();
    EXPECT_EQ(co_await f.position(), 4u);
  }(at("w"), content));
  EXPECT_EQ(get_file(at("w")).substr(0, 4), "abcd");
}

// A cancelled operation's error is thrown by the next operation on the file.
TEST_P(FsFile, CancelledWriteErrorSurfacesNext) {
  put_file(at("ro"), "read only");
  auto rt = make_one_blocking_thread_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    fs::file f = co_await fs::file::open(p);
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.write_some(bytes("x"))));
    auto fail = co_await failure_of(f.flush());
    EXPECT_EQ(fail.code, std::errc::bad_file_descriptor);
    EXPECT_NE(fail.what.find("cancelled"), std::string::npos) << fail.what;
    EXPECT_NE(fail.what.find(p.native()), std::string::npos) << fail.what;
    EXPECT_EQ(co_await read_all(f), "read only");  // reported once; the file still works
    // The same through a read: the next read_some reports it.
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.write_some(bytes("x"))));
    std::array<std::byte, 4> buf;
    fail = co_await failure_of(f.read_some(buf));
    EXPECT_EQ(fail.code, std::errc::bad_file_descriptor);
  }(at("ro")));
}

// Destroying a file (and the caller's buffer) while the job of a cancelled operation has
// not even started: the job keeps the descriptor and its own buffer, and the descriptor
// closes when it ends (the fixture counts fds after the runtime is gone). ASan checks that
// nothing touches the freed buffer.
TEST_P(FsFile, DestroyedWhileAJobRuns) {
  const auto content = edo_test::pattern(1 << 20, 8);
  put_file(at("d"), content);
  auto rt = make_one_blocking_thread_runtime();
  rt.block_on([](stdfs::path p) -> edo::task<> {
    for (int i = 0; i < 5; ++i) {
      fs::file f = co_await fs::file::open(p);
      auto buf = std::make_unique<std::vector<std::byte>>(1 << 20);
      std::promise<void> open;
      auto wait_open = [g = open.get_future().share()] { g.wait(); };  // named: g++ 12 (PR 100611)
      auto held = edo::spawn_blocking(std::move(wait_open));
      auto r = co_await edo::select(f.read_some(*buf), edo::yield_now());
      EXPECT_EQ(r.index(), 1u);
      f = fs::file();  // closes nothing yet: the queued job holds the descriptor
      buf.reset();
      open.set_value();
      co_await held;
    }
    for (int i = 0; i < 5; ++i) {
      fs::file f = co_await fs::file::create(stdfs::path(p).concat(".out"));
      std::vector<std::byte> buf(1 << 20, std::byte{1});
      EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(f.write_some(buf)));
    }
    // A cancelled open: the descriptor it gets is closed.
    EXPECT_FALSE(co_await edo_test::cancel_while_pool_held(fs::file::open(p)));
  }(at("d")));
}

TEST_P(FsFile, ManyFilesOpenAtOnce) {
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root) -> edo::task<> {
    std::vector<fs::file> files;
    for (int i = 0; i < 200; ++i) {
      files.push_back(co_await fs::file::create(root / ("f" + std::to_string(i))));
    }
    for (std::size_t i = 0; i < files.size(); ++i) co_await files[i].write_all(std::to_string(i));
    files.clear();
    EXPECT_EQ(get_file(root / "f123"), "123");
  }(dir()));
}

INSTANTIATE_TEST_SUITE_P(Flavors, FsFile, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
