// edo::task and edo::block_on with no runtime: laziness, results, exceptions, references,
// deep await chains, frames recycled.
#include <edo/block_on.hpp>
#include <edo/task.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace {

edo::task<int> answer() {
  co_return 42;
}

TEST(Task, IsLazy) {
  bool ran = false;
  auto f = [&]() -> edo::task<> {
    ran = true;
    co_return;
  };
  {
    edo::task<> t = f();
    EXPECT_FALSE(ran);
    EXPECT_TRUE(t.valid());
  }
  EXPECT_FALSE(ran);  // destroyed without starting
  edo::block_on(f());
  EXPECT_TRUE(ran);
}

TEST(Task, DestroyingAnUnstartedTaskDestroysItsFrame) {
  auto counter = std::make_shared<int>(0);
  auto f = [](std::shared_ptr<int> c) -> edo::task<> {
    ++*c;
    co_return;
  };
  {
    auto t = f(counter);
    EXPECT_EQ(counter.use_count(), 2);
  }
  EXPECT_EQ(counter.use_count(), 1);
  EXPECT_EQ(*counter, 0);
}

TEST(Task, ReturnsValues) {
  EXPECT_EQ(edo::block_on(answer()), 42);
  auto s = []() -> edo::task<std::string> { co_return std::string(100, 'x'); };
  EXPECT_EQ(edo::block_on(s()).size(), 100u);
  auto u = []() -> edo::task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
  EXPECT_EQ(*edo::block_on(u()), 7);
}

TEST(Task, ReturnsReferences) {
  static int global = 1;
  auto r = []() -> edo::task<int&> { co_return global; };
  int& x = edo::block_on(r());
  EXPECT_EQ(&x, &global);
}

TEST(Task, AwaitsNested) {
  auto outer = []() -> edo::task<int> {
    int a = co_await answer();
    edo::task<int> t = answer();
    int b = co_await t;  // lvalue await consumes it
    EXPECT_FALSE(t.valid());
    co_return a + b;
  };
  EXPECT_EQ(edo::block_on(outer()), 84);
}

TEST(Task, ExceptionsPropagateToTheAwaiter) {
  auto thrower = []() -> edo::task<int> {
    throw std::runtime_error("boom");
    co_return 1;
  };
  auto catcher = [&]() -> edo::task<std::string> {
    try {
      co_await thrower();
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "none";
  };
  EXPECT_EQ(edo::block_on(catcher()), "boom");
  EXPECT_THROW(edo::block_on(thrower()), std::runtime_error);
}

edo::task<std::uint64_t> sum_to(std::uint64_t n) {
  std::uint64_t s = 0;
  for (std::uint64_t i = 0; i < n; ++i)
    s += co_await [](std::uint64_t x) -> edo::task<std::uint64_t> { co_return x; }(i);
  co_return s;
}

TEST(Task, MillionSynchronousAwaitsInALoop) {
  EXPECT_EQ(edo::block_on(sum_to(1'000'000)), 999'999ull * 1'000'000ull / 2);
}

edo::task<int> deep(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await deep(n - 1);
}

TEST(Task, MillionDeepChainWithoutStackGrowth) {
  // Each level completes synchronously into its parent: symmetric transfer both ways.
  EXPECT_EQ(edo::block_on(deep(1'000'000)), 1'000'000);
}

}  // namespace
