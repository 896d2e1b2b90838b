// edo::fs under load: many tasks reading and writing different files at once (more jobs than
// blocking threads), large files through the whole-file helpers and copy, and workers that
// keep running other tasks while file jobs block. Both runtime flavors; each test works in a
// fresh temporary directory and checks that no file descriptor leaked.
#include <edo/edo.hpp>
#include <edo/fs.hpp>

#include <gtest/gtest.h>

#include <array>
#include <future>
#include <string>
#include <vector>

#include "support/fs_test.hpp"

namespace {

namespace fs = edo::fs;
namespace stdfs = std::filesystem;
using edo_test::put_file;

class FsConcurrent : public edo_test::fs_flavor_test {
 protected:
  edo::runtime make_small_pool_runtime(std::size_t blocking_threads) const {
    auto b = GetParam() == edo_test::flavor::current_thread
                 ? edo::runtime::builder::current_thread()
                 : edo::runtime::builder::multi_thread();
    b.enable_all().max_blocking_threads(blocking_threads);
    if (GetParam() == edo_test::flavor::multi_thread) b.worker_threads(4);
    return b.build();
  }
};

constexpr int num_files = 64;

// File i holds pattern(size_of(i), i): sizes from 0 to ~1 MiB.
std::size_t size_of(int i) {
  return static_cast<std::size_t>(i) * 16411u;
}

TEST_P(FsConcurrent, ManyTasksReadDifferentFiles) {
  for (int i = 0; i < num_files; ++i) {
    put_file(at("f" + std::to_string(i)),
             edo_test::pattern(size_of(i), static_cast<std::uint32_t>(i)));
  }
  auto rt = make_small_pool_runtime(4);
  const int ok = rt.block_on([](stdfs::path root) -> edo::task<int> {
    std::vector<edo::join_handle<bool>> hs;
    for (int i = 0; i < num_files; ++i) {
      // Two readers per file: whole-file read and a file opened and read in chunks.
      hs.push_back(edo::spawn(
          [](stdfs::path p, int k) -> edo::task<bool> {
            const auto data = co_await fs::read(p);
            co_return data == edo_test::pattern(size_of(k), static_cast<std::uint32_t>(k));
          },
          root / ("f" + std::to_string(i)), i));
      hs.push_back(edo::spawn(
          [](stdfs::path p, int k) -> edo::task<bool> {
            fs::file f = co_await fs::file::open(p);
            f.set_max_buf_size(100'000);
            std::vector<std::byte> data(size_of(k));
            if (!data.empty()) co_await f.read_exact(data);
            std::array<std::byte, 1> one;
            co_return co_await f.read_some(one) == 0 &&
                data == edo_test::pattern(size_of(k), static_cast<std::uint32_t>(k));
          },
          root / ("f" + std::to_string(i)), i));
    }
    int good = 0;
    for (auto& h : hs) good += (co_await h) ? 1 : 0;
    co_return good;
  }(dir()));
  EXPECT_EQ(ok, 2 * num_files);
  EXPECT_LE(rt.metrics().num_blocking_threads, 4u);
}

TEST_P(FsConcurrent, ManyTasksWriteThenReadBack) {
  auto rt = make_small_pool_runtime(8);
  rt.block_on([](stdfs::path root) -> edo::task<> {
    std::vector<edo::join_handle<void>> hs;
    for (int i = 0; i < num_files; ++i) {
      hs.push_back(edo::spawn(
          [](stdfs::path d, int k) -> edo::task<> {
            co_await fs::create_dir_all(d);
            co_await fs::write(d / "data",
                               edo_test::pattern(size_of(k) / 4, static_cast<std::uint32_t>(k)));
            co_await fs::rename(d / "data", d / "final");
            co_await fs::copy(d / "final", d / "copy");
          },
          root / ("t" + std::to_string(i)) / "sub", i));
    }
    for (auto& h : hs) co_await h;
    // Read everything back, and then remove it, concurrently with edo::join_all — inside a
    // spawned task: a join branch of a block_on root task woken from a blocking-pool thread
    // touches the root's cell on block_on's stack after block_on returned (a core bug,
    // reported with a reproduction; ASan's detect_stack_use_after_return=1 shows it).
    co_await edo::spawn(
        [](stdfs::path r) -> edo::task<> {
          std::vector<edo::task<std::vector<std::byte>>> reads;
          for (int i = 0; i < num_files; ++i) {
            reads.push_back(fs::read(r / ("t" + std::to_string(i)) / "sub" / "copy"));
          }
          auto all = co_await edo::join_all(std::move(reads));
          for (int i = 0; i < num_files; ++i) {
            EXPECT_EQ(all[static_cast<std::size_t>(i)],
                      edo_test::pattern(size_of(i) / 4, static_cast<std::uint32_t>(i)))
                << i;
          }
          std::vector<edo::task<void>> removes;
          for (int i = 0; i < num_files; ++i) {
            removes.push_back(fs::remove_dir_all(r / ("t" + std::to_string(i))));
          }
          co_await edo::join_all(std::move(removes));
        },
        root);
  }(dir()));
  EXPECT_TRUE(stdfs::is_empty(dir()));
}

TEST_P(FsConcurrent, LargeFilesWholeAndCopied) {
  const auto content = edo_test::pattern(8 << 20, 99);
  auto rt = make_runtime();
  rt.block_on([](stdfs::path root, std::vector<std::byte> data) -> edo::task<> {
    co_await fs::write(root / "big", std::span<const std::byte>(data));
    EXPECT_EQ((co_await fs::metadata(root / "big")).size(), data.size());
    EXPECT_EQ(co_await fs::copy(root / "big", root / "big2"), data.size());
    auto back = co_await fs::read(root / "big2");
    EXPECT_TRUE(back == data);
    std::string s = co_await fs::read_to_string(root / "big");
    EXPECT_EQ(s.size(), data.size());
  }(dir(), content));
}

// While file jobs hold every blocking thread, the workers still run other tasks: the file
// calls never block a worker.
TEST_P(FsConcurrent, WorkersKeepRunningWhileJobsBlock) {
  auto rt = make_small_pool_runtime(1);
  rt.block_on([](stdfs::path root) -> edo::task<> {
    std::promise<void> open;
    auto wait_open = [f = open.get_future().share()] { f.wait(); };  // named: g++ 12 (PR 100611)
    auto held = edo::spawn_blocking(std::move(wait_open));
    // Queued behind the held thread: cannot finish until the gate opens.
    auto writer = edo::spawn(fs::write(root / "late", "late"));
    // Meanwhile plenty of ordinary tasks run to completion on the workers.
    int sum = 0;
    for (int i = 0; i < 100; ++i) {
      sum += co_await edo::spawn(
          [](int v) -> edo::task<int> {
            co_await edo::yield_now();
            co_return v;
          },
          i);
    }
    EXPECT_EQ(sum, 4950);
    EXPECT_FALSE(writer.is_finished());
    open.set_value();
    co_await held;
    co_await writer;
    EXPECT_EQ(co_await fs::read_to_string(root / "late"), "late");
  }(dir()));
}

INSTANTIATE_TEST_SUITE_P(Flavors, FsConcurrent, edo_test::all_flavors(), edo_test::flavor_name);

}  // namespace
