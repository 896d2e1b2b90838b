// seed_crawler — the seed's bounded URL checker: fan out five requests, at most two in
// flight at once, capped with a semaphore (the Tokio answer to Node's p-limit).
//
// Rust original (Tokio, #[tokio::main]):
//   async fn fetch(url: &str, latency_ms: u64) -> Result<usize, String> { sleep(..).await; .. }
//   let limit = Arc::new(Semaphore::new(2));
//   for (url, latency) in urls {
//       let limit = Arc::clone(&limit);
//       handles.push(tokio::spawn(async move {
//           let _permit = limit.acquire().await.unwrap();   // held until the task ends
//           (url, fetch(url, latency).await)
//       }));
//   }
//
// Expected output (the last number varies; two permits make it ~320 ms: a+b, then bad and
// c start as b and a finish, then d — when the tasks reach acquire() in spawn order, which
// the multi-thread runtime does not promise; any order takes at least 260 ms):
//   OK https://a.example (17 bytes)
//   OK https://b.example (17 bytes)
//   FAIL https://bad.example -> https://bad.example: connection refused
//   OK https://c.example (17 bytes)
//   OK https://d.example (17 bytes)
//   scanned in 321ms
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <edo/edo.hpp>
#include <edo/sync/semaphore.hpp>

using edo::time::instant;
using edo::time::sleep;

// Result<usize, String>: the bytes downloaded, or the error.
using fetch_result = std::variant<std::size_t, std::string>;

// Stand-in for a real HTTP GET.
edo::task<fetch_result> fetch(std::string url, std::uint64_t latency_ms) {
  co_await sleep(std::chrono::milliseconds(latency_ms));
  if (url.find("bad") != std::string::npos) co_return url + ": connection refused";
  co_return url.size();  // pretend "bytes downloaded"
}

// One request: wait for a permit, then fetch. The permit is released when `permit` goes
// out of scope at the end of the task (RAII, like Rust's `_permit`).
edo::task<std::pair<std::string, fetch_result>> check(std::shared_ptr<edo::sync::semaphore> limit,
                                                      std::string url, std::uint64_t latency) {
  auto permit = co_await limit->acquire();  // empty only if the semaphore were closed
  fetch_result r = co_await fetch(url, latency);
  co_return std::pair{std::move(url), std::move(r)};
}

edo::task<> async_main() {
  const std::vector<std::pair<std::string, std::uint64_t>> urls = {
      {"https://a.example", 120}, {"https://b.example", 80}, {"https://bad.example", 50},
      {"https://c.example", 200}, {"https://d.example", 60},
  };
  // At most 2 requests in flight at once.
  auto limit = std::make_shared<edo::sync::semaphore>(2);
  const auto start = instant::now();
  std::vector<edo::join_handle<std::pair<std::string, fetch_result>>> handles;
  for (const auto& [url, latency] : urls) {
    // spawn(f, args...) keeps f and copies of its arguments alive inside the task.
    handles.push_back(edo::spawn(check, limit, url, latency));
  }
  for (auto& h : handles) {
    auto [url, r] = co_await h;  // in spawn order, as the Rust loop over handles
    if (const auto* bytes = std::get_if<std::size_t>(&r)) {
      std::cout << "OK " << url << " (" << *bytes << " bytes)\n";
    } else {
      std::cout << "FAIL " << url << " -> " << std::get<std::string>(r) << '\n';
    }
  }
  std::cout << "scanned in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed()).count()
            << "ms\n";
}

EDO_MAIN(async_main)
