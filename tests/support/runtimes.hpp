// Runtime tests run on every flavor: TEST_P with edo_test::flavor_test.
#pragma once

#include <edo/runtime.hpp>

#include <gtest/gtest.h>

#include <string>

namespace edo_test {

enum class flavor { current_thread, multi_thread };

inline auto all_flavors() {
  return testing::Values(flavor::current_thread, flavor::multi_thread);
}

inline std::string flavor_name(const testing::TestParamInfo<flavor>& info) {
  return info.param == flavor::current_thread ? "current_thread" : "multi_thread";
}

class flavor_test : public testing::TestWithParam<flavor> {
 protected:
  edo::runtime make_runtime(bool paused = false) const {
    auto b = GetParam() == flavor::current_thread ? edo::runtime::builder::current_thread()
                                                  : edo::runtime::builder::multi_thread();
    b.enable_all();
    if (GetParam() == flavor::multi_thread) b.worker_threads(2);
    if (paused) b.start_paused(true);
    return b.build();
  }
};

}  // namespace edo_test

// ASSERT_* returns, which a coroutine cannot: fail and co_return instead.
#define CO_ASSERT_TRUE(cond)               \
  do {                                     \
    if (!(cond)) {                         \
      ADD_FAILURE() << "expected: " #cond; \
      co_return;                           \
    }                                      \
  } while (0)
