// Helpers for the edo::fs tests: a flavor-parametrised fixture that gives each test a fresh
// temporary directory under std::filesystem::temp_directory_path() (removed afterwards) and
// checks that no file descriptor leaked (/proc/self/fd counted before and after), plus
// deterministic test data and small synchronous file helpers for setting up and checking.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include <edo/blocking.hpp>
#include <edo/runtime.hpp>
#include <edo/select.hpp>
#include <edo/task.hpp>
#include <edo/yield.hpp>

#include <gtest/gtest.h>

#include "support/io_test.hpp"

namespace edo_test {

namespace stdfs = std::filesystem;

// A fresh directory (mkdtemp), removed with everything in it by the destructor.
class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (stdfs::temp_directory_path() / "edo_fs_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path_ = tmpl;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    // A test may leave a directory without permissions: give them back first.
    for (auto it = stdfs::recursive_directory_iterator(
             path_, stdfs::directory_options::skip_permission_denied, ec);
         !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        stdfs::permissions(it->path(), stdfs::perms::owner_all, stdfs::perm_options::add, ec);
      }
    }
    stdfs::remove_all(path_, ec);
  }
  const stdfs::path& path() const noexcept { return path_; }
  stdfs::path operator/(const stdfs::path& p) const { return path_ / p; }

 private:
  stdfs::path path_;
};

// `n` bytes of a deterministic pattern that differs per `seed` (an LCG).
inline std::vector<std::byte> pattern(std::size_t n, std::uint32_t seed = 1) {
  std::vector<std::byte> v(n);
  std::uint32_t x = seed * 2654435761u + 12345u;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::byte>(x >> 24);
  }
  return v;
}

// Synchronous set-up and checking (not under test).
inline void put_file(const stdfs::path& p, std::span<const std::byte> data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("put_file " + p.string());
}
inline void put_file(const stdfs::path& p, std::string_view s) {
  put_file(p, bytes(s));
}
inline std::string get_file(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
inline std::vector<std::byte> get_bytes(const stdfs::path& p) {
  const std::string s = get_file(p);
  const auto b = bytes(s);
  return std::vector<std::byte>(b.begin(), b.end());
}

// The std::system_error a task throws (an empty code and what() if it returns).
struct failure {
  std::error_code code;
  std::string what;
};
template <class T>
edo::task<failure> failure_of(edo::task<T> t) {
  try {
    co_await std::move(t);
  } catch (const std::system_error& e) {
    co_return failure{e.code(), e.what()};
  }
  co_return failure{};
}

// Cancels `t` deterministically: runs it in a select against an immediate branch while a
// job holds the blocking pool's only thread (the runtime must have max_blocking_threads(1)),
// so t's own job cannot even start before the other branch wins. The gate opens afterwards
// and t's job runs on. Returns t's result if t finished without a job (nullopt: cancelled).
template <class T>
using value_or_monostate = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
edo::task<std::optional<value_or_monostate<T>>> cancel_while_pool_held(edo::task<T> t) {
  std::promise<void> open;
  auto wait_open = [f = open.get_future().share()] { f.wait(); };  // named: g++ 12 (PR 100611)
  auto held = edo::spawn_blocking(std::move(wait_open));
  std::optional<value_or_monostate<T>> out;
  std::exception_ptr error;
  try {
    auto r = co_await edo::select(std::move(t), edo::yield_now());
    if (r.index() == 0) out.emplace(std::move(std::get<0>(r)));
  } catch (...) {
    error = std::current_exception();  // t failed at once (before needing a job)
  }
  open.set_value();
  co_await held;
  if (error) std::rethrow_exception(error);
  co_return out;
}

// Permission tests mean nothing to root (it bypasses them).
inline bool running_as_root() {
  return ::geteuid() == 0;
}

// Both runtime flavors, a fresh directory, and no fd leak (checked after the directory is
// gone and the test's runtime destroyed).
class fs_flavor_test : public flavor_test {
 protected:
  // A runtime whose blocking pool has one thread (for cancel_while_pool_held).
  edo::runtime make_one_blocking_thread_runtime() const {
    auto b = GetParam() == flavor::current_thread ? edo::runtime::builder::current_thread()
                                                  : edo::runtime::builder::multi_thread();
    b.enable_all().max_blocking_threads(1);
    if (GetParam() == flavor::multi_thread) b.worker_threads(2);
    return b.build();
  }
  void TearDown() override {
    dir_.reset();
    fds_.verify();
  }
  const stdfs::path& dir() const { return dir_->path(); }
  stdfs::path at(const stdfs::path& p) const { return dir_->path() / p; }

 private:
  fd_leak_check fds_;
  std::unique_ptr<temp_dir> dir_ = std::make_unique<temp_dir>();
};

}  // namespace edo_test
