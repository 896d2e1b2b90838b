// exercise_timeout — the seed's Exercise 3: bound a slow operation with a deadline, the async
// equivalent of Promise.race against a timer.
//
// edo::time::timeout(d, op) gives a timeout_result<T>, which reads like std::optional<T>:
// false if the deadline fired first (Tokio's Err(Elapsed)), else *result is the value (Ok).
// As in Tokio and unlike Promise.race, the losing operation is cancelled and torn down
// before timeout returns, not left running.
//
// Rust original (Tokio, #[tokio::main]):
//   match timeout(Duration::from_millis(100), slow_query(250)).await {
//       Ok(result) => println!("got: {result}"),
//       Err(_elapsed) => println!("timed out after 100ms"),
//   }
//   ... the same with slow_query(40)
//
// Expected output:
//   timed out after 100ms
//   got: query finished after 40ms
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include <edo/edo.hpp>

using namespace std::literals;
using edo::time::sleep;
using edo::time::timeout;

edo::task<std::string> slow_query(std::uint64_t ms) {
  co_await sleep(std::chrono::milliseconds(ms));
  co_return "query finished after " + std::to_string(ms) + "ms";
}

edo::task<> async_main() {
  // Wrap any task in a deadline; an empty result if it overruns.
  if (auto result = co_await timeout(100ms, slow_query(250))) {
    std::cout << "got: " << *result << '\n';
  } else {
    std::cout << "timed out after 100ms\n";
  }
  if (auto result = co_await timeout(100ms, slow_query(40))) {
    std::cout << "got: " << *result << '\n';
  } else {
    std::cout << "timed out after 100ms\n";
  }
}

EDO_MAIN(async_main)
