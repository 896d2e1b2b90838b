// seed_fast_slow — the seed's smol / async-std program: two spawned tasks sleep 100 ms and
// 150 ms concurrently, so the whole takes ~150 ms, not 250 ms.
//
// Rust originals (smol::block_on and #[async_std::main] — the same body):
//   let a = smol::spawn(async { smol::Timer::after(Duration::from_millis(100)).await; "fast" });
//   let b = smol::spawn(async { smol::Timer::after(Duration::from_millis(150)).await; "slow" });
//   println!("{} then {}", a.await, b.await);
//   println!("done in {}ms", start.elapsed().as_millis());
//
// Expected output (the number varies):
//   fast then slow
//   done in 152ms
#include <chrono>
#include <iostream>
#include <string_view>

#include <edo/edo.hpp>

using namespace std::literals;
using edo::time::instant;
using edo::time::sleep;

edo::task<> fast_then_slow() {
  auto start = instant::now();
  auto a = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(100ms);
    co_return "fast";
  });
  auto b = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(150ms);
    co_return "slow";
  });
  auto ra = co_await a;
  auto rb = co_await b;
  std::cout << ra << " then " << rb << '\n';
  std::cout << "done in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed()).count()
            << "ms\n";
}

int main() {
  // smol has no #[main] macro: you call block_on directly. edo::block_on drives no timers,
  // so the twin of smol::block_on here is a runtime's block_on (edo::run(fast_then_slow)
  // or EDO_MAIN(fast_then_slow) would do the same).
  edo::runtime rt;
  rt.block_on(fast_then_slow());
}
