// exercise_blocking_pool — Exercise 2: a task that blocked an async worker with a
// synchronous loop, fixed by moving the loop to the blocking pool.
//
// Rust solution (Tokio):
//   #[tokio::main]
//   async fn main() {
//       let sum = tokio::task::spawn_blocking(|| {
//           let mut total: u64 = 0;
//           for i in 0..50_000_000u64 { total = total.wrapping_add(i); }
//           total
//       })
//       .await
//       .unwrap();
//       println!("sum = {sum}");
//   }
//
// Expected output:
//   sum = 1249999975000000
#include <cstdint>
#include <iostream>

#include <edo/blocking.hpp>
#include <edo/edo.hpp>

edo::task<> async_main() {
  // spawn_blocking runs the CPU-heavy loop on the blocking pool, leaving the async workers
  // free to drive I/O.
  const std::uint64_t sum = co_await edo::spawn_blocking([] {
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < 50'000'000; ++i) total += i;
    return total;
  });
  std::cout << "sum = " << sum << '\n';
}

EDO_MAIN(async_main)
