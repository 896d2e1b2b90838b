// Uses the whole of edo from an installed prefix.
#include <edo/edo.hpp>

#include <cstdio>

edo::task<int> answer() {
  co_await edo::time::sleep(std::chrono::milliseconds(1));
  co_return co_await edo::spawn([]() -> edo::task<int> { co_return 42; });
}

int main() {
  auto rt = edo::runtime::builder::current_thread().enable_all().build();
  const int v = rt.block_on(answer());
  std::printf("installed edo: %d\n", v);
  return v == 42 ? 0 : 1;
}
