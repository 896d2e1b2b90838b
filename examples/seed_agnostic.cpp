// seed_agnostic — runtime-agnostic library code: a coroutine that only uses co_await and std
// types names no runtime, so any executor can drive it — edo::block_on (no runtime, no
// drivers) or an edo::runtime.
//
// Rust original:
//   async fn add_async(a: u32, b: u32) -> u32 { a + b }
//   fn doubled(x: u32) -> impl Future<Output = u32> { async move { x * 2 } }
//   let r1 = futures::executor::block_on(add_async(2, 3));
//   let r2 = tokio::runtime::Runtime::new().unwrap().block_on(doubled(21));
//
// Expected output (the seed printed "futures executor: 5" and "tokio runtime: 42"):
//   edo::block_on: 5
//   edo runtime: 42
#include <cstdint>
#include <iostream>

#include <edo/edo.hpp>

// Runtime-AGNOSTIC: never mentions a runtime.
edo::task<std::uint32_t> add_async(std::uint32_t a, std::uint32_t b) {
  co_return a + b;
}

// An ordinary function returning a task, like Rust's fn returning impl Future. The `async
// move` block becomes a coroutine lambda that takes x by value as its parameter n (moved into
// the coroutine frame) instead of capturing it: a coroutine lambda's captures die with the
// lambda object, at the end of this return statement.
edo::task<std::uint32_t> doubled(std::uint32_t x) {
  return [](std::uint32_t n) -> edo::task<std::uint32_t> { co_return n * 2; }(x);
}

int main() {
  // Drive it on edo's minimal executor — no runtime at all.
  auto r1 = edo::block_on(add_async(2, 3));
  std::cout << "edo::block_on: " << r1 << '\n';

  // Drive the SAME logic on an edo runtime.
  edo::runtime rt;
  auto r2 = rt.block_on(doubled(21));
  std::cout << "edo runtime: " << r2 << '\n';
}
