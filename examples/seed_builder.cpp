// seed_builder — building the runtime by hand: 4 workers, every driver, and a CPU-heavy
// sum moved to the blocking pool so that it never stalls the async workers.
//
// Rust original (Tokio):
//   let rt = Builder::new_multi_thread()
//       .worker_threads(4)
//       .enable_all() // turn on the I/O reactor AND the time driver
//       .build()
//       .unwrap();
//   let answer = rt.block_on(async {
//       tokio::task::spawn_blocking(|| (1..=1_000_000u64).sum::<u64>())
//           .await
//           .unwrap()
//   });
//   println!("sum = {answer}");
//
// Expected output:
//   sum = 500000500000
#include <cstdint>
#include <iostream>

#include <edo/blocking.hpp>
#include <edo/edo.hpp>

int main() {
  auto rt = edo::runtime::builder::multi_thread()
                .worker_threads(4)
                .enable_all()  // turn on the I/O reactor AND the time driver
                .build();
  const std::uint64_t answer = rt.block_on([]() -> edo::task<std::uint64_t> {
    // spawn_blocking moves a synchronous/CPU-heavy computation onto the blocking pool.
    co_return co_await edo::spawn_blocking([] {
      std::uint64_t sum = 0;
      for (std::uint64_t i = 1; i <= 1'000'000; ++i) sum += i;
      return sum;
    });
  }());
  std::cout << "sum = " << answer << '\n';
}
