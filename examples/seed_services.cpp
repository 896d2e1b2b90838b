// seed_services — the seed's Tokio "three services" program: three tasks spawned onto the
// default runtime run concurrently, so the whole takes ~150 ms (the slowest), not 360 ms.
//
// Rust original (Tokio, #[tokio::main]):
//   async fn call_service(name: &str, ms: u64) -> String { sleep(..).await; format!(..) }
//   let h1 = tokio::spawn(async { call_service("auth", 120).await });  ...
//   let results = [h1.await.unwrap(), h2.await.unwrap(), h3.await.unwrap()];
//
// Expected output (the last number varies):
//   auth responded after 120ms
//   inventory responded after 90ms
//   pricing responded after 150ms
//   all done in 152ms
#include <array>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include <edo/edo.hpp>

using namespace std::literals;
using edo::time::instant;
using edo::time::sleep;

edo::task<std::string> call_service(std::string name, std::uint64_t ms) {
  co_await sleep(std::chrono::milliseconds(ms));
  co_return name + " responded after " + std::to_string(ms) + "ms";
}

// EDO_MAIN below is the twin of #[tokio::main]: it builds the default runtime and block_on()s
// this task.
edo::task<> async_main() {
  auto start = instant::now();
  // Spawn three tasks onto the runtime; it drives them concurrently. spawn(f, args...) keeps
  // f and its arguments alive inside the task.
  auto h1 = edo::spawn(call_service, "auth"s, 120);
  auto h2 = edo::spawn(call_service, "inventory"s, 90);
  auto h3 = edo::spawn(call_service, "pricing"s, 150);
  // Awaiting a join_handle yields the task's value or throws edo::join_error (the .unwrap()).
  // One co_await per statement: g++ 12 miscompiles co_await inside a braced initializer.
  std::string r1 = co_await h1;
  std::string r2 = co_await h2;
  std::string r3 = co_await h3;
  const std::array results{r1, r2, r3};
  for (const auto& r : results) {
    std::cout << r << '\n';
  }
  std::cout << "all done in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed()).count()
            << "ms\n";
}

EDO_MAIN(async_main)
