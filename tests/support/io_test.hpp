// Helpers for the I/O tests: a flavor-parametrised fixture that checks no file descriptor
// leaks across a test (counting /proc/self/fd before and after), and byte/string helpers.
#pragma once

#include <dirent.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "support/runtimes.hpp"

namespace edo_test {

// Open descriptors of this process (not counting the one used to list them).
inline int open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  int n = 0;
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n - 3;  // ".", ".." and the directory's own fd
}

// Checks that the test closed every descriptor it opened.
class fd_leak_check {
 public:
  fd_leak_check() : before_(open_fds()) {}
  void verify() const { EXPECT_EQ(open_fds(), before_) << "file descriptors leaked"; }

 private:
  int before_;
};

class io_flavor_test : public flavor_test {
 protected:
  void TearDown() override { fds_.verify(); }

 private:
  fd_leak_check fds_;
};

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}
inline std::string str(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace edo_test
