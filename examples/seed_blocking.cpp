// seed_blocking — the seed's "blocking the current thread" mistake, then its fix.
//
// std::this_thread::sleep_for inside a task ties up the OS thread instead of yielding it. On
// a current-thread runtime that thread is the entire runtime, so the timer task that "should"
// take 50 ms is held hostage until the blocking task lets the thread go at ~200 ms. The fix
// is the async sleep, which yields: both tasks then wait concurrently and the whole takes
// ~200 ms.
//
// Rust original (Tokio, #[tokio::main(flavor = "current_thread")]):
//   let blocker = tokio::spawn(async {
//       std::thread::sleep(Duration::from_millis(200));
//       "blocking task done"
//   });
//   let other = tokio::spawn(async {
//       sleep(Duration::from_millis(50)).await; // wants to finish in 50ms
//       "timer task done"
//   });
//
// Expected output (the numbers vary; Tokio printed 258ms for the first run):
//   timer task done
//   blocking task done
//   elapsed: 258ms
//   fixed:
//   timer task done
//   blocking task done
//   elapsed: 201ms
//   fixed with spawn_blocking:
//   timer task done
//   blocking task done
//   elapsed: 200ms
#include <chrono>
#include <iostream>
#include <string_view>
#include <thread>

#include <edo/blocking.hpp>
#include <edo/edo.hpp>

using namespace std::literals;
using edo::time::instant;
using edo::time::sleep;

// The mistake.
edo::task<> blocking_main() {
  auto start = instant::now();
  auto blocker = edo::spawn([]() -> edo::task<std::string_view> {
    // std::this_thread::sleep_for blocks the OS thread, not just this task.
    std::this_thread::sleep_for(200ms);
    co_return "blocking task done";
  });
  auto other = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(50ms);  // wants to finish in 50ms
    co_return "timer task done";
  });
  std::cout << co_await other << '\n';
  std::cout << co_await blocker << '\n';
  std::cout << "elapsed: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed()).count()
            << "ms\n";
}

// The fix: the async equivalent, edo::time::sleep, in place of std::this_thread::sleep_for.
edo::task<> fixed_main() {
  auto start = instant::now();
  auto blocker = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(200ms);  // yields the thread while it waits
    co_return "blocking task done";
  });
  auto other = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(50ms);
    co_return "timer task done";
  });
  std::cout << co_await other << '\n';
  std::cout << co_await blocker << '\n';
  std::cout << "elapsed: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed()).count()
            << "ms\n";
}

// The other fix, edo::spawn_blocking (the seed's tokio::task::spawn_blocking): the blocking
// call moves to the blocking pool, and the runtime's thread stays free for the timer.
edo::task<> spawn_blocking_main() {
  auto start = instant::now();
  auto blocker = edo::spawn_blocking([] {
    std::this_thread::sleep_for(200ms);  // blocks a blocking-pool thread, not the runtime
    return std::string_view("blocking task done");
  });
  auto other = edo::spawn([]() -> edo::task<std::string_view> {
    co_await sleep(50ms);
    co_return "timer task done";
  });
  std::cout << co_await other << '\n';
  std::cout << co_await blocker << '\n';
  std::cout << "elapsed: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(start.elapsed()).count()
            << "ms\n";
}

int main() {
  // #[tokio::main(flavor = "current_thread")], written out by hand: one thread is the whole
  // runtime.
  auto rt = edo::runtime::builder::current_thread().enable_all().build();
  rt.block_on(blocking_main());
  std::cout << "fixed:\n";
  rt.block_on(fixed_main());
  std::cout << "fixed with spawn_blocking:\n";
  rt.block_on(spawn_blocking_main());
}
