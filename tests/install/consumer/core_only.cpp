// Uses only edo::core (tasks, block_on, combinators) from an installed prefix.
#include <edo/block_on.hpp>
#include <edo/join.hpp>

#include <cstdio>

edo::task<int> add(int a, int b) {
  co_return a + b;
}

int main() {
  auto [x, y] = edo::block_on([]() -> edo::task<std::tuple<int, int>> {
    co_return co_await edo::join(add(1, 2), add(3, 4));
  }());
  std::printf("core only: %d %d\n", x, y);
  return x == 3 && y == 7 ? 0 : 1;
}
