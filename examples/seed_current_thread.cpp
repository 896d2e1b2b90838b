// seed_current_thread — the seed's current-thread runtime: the closest analogue to Node's
// single-threaded event loop. One thread, yet still concurrent: while one task awaits its
// timer, the other makes progress.
//
// Rust original (Tokio, #[tokio::main(flavor = "current_thread")]):
//   let a = tokio::spawn(async { sleep(Duration::from_millis(50)).await; "a" });
//   let b = tokio::spawn(async { sleep(Duration::from_millis(50)).await; "b" });
//   println!("{} {}", a.await.unwrap(), b.await.unwrap());
//
// Expected output:
//   a b
#include <chrono>
#include <iostream>
#include <string_view>

#include <edo/edo.hpp>

using namespace std::literals;
using edo::time::sleep;

edo::task<> async_main() {
  // The lambdas capture nothing, and spawn(f) stores f in the task, so nothing dangles.
  auto a = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(50ms);
    co_return "a";
  });
  auto b = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(50ms);
    co_return "b";
  });
  // One co_await per statement, in the order Rust evaluates println!'s arguments.
  auto ra = co_await a;
  auto rb = co_await b;
  std::cout << ra << ' ' << rb << '\n';
}

// #[tokio::main(flavor = "current_thread")], written out by hand.
int main() {
  auto rt = edo::runtime::builder::current_thread().enable_all().build();
  rt.block_on(async_main());
}
