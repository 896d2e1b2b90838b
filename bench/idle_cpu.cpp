// How much CPU an idle runtime burns: a multi-thread runtime (2 workers, every driver) with
// 10,000 tasks parked on timers an hour away and nothing to do, measured over a wall-clock
// window with getrusage. The claim (issue 3): less than 1% of one CPU.
//
//   edo_idle_cpu [seconds]     (default 3)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <edo/edo.hpp>

namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  for (const char* flavor : {"mt", "ct"}) {
    const bool mt = flavor[0] == 'm';
    auto rt = mt ? edo::runtime::builder::multi_thread().worker_threads(2).enable_all().build()
                 : edo::runtime::builder::current_thread().enable_all().build();
    auto handle = rt.handle();
    // The current-thread runtime runs only inside block_on: idle there means block_on waits.
    std::thread driver;
    if (!mt) {
      driver = std::thread([&] {
        rt.block_on([](double s) -> edo::task<> {
          for (int i = 0; i < 10'000; ++i) {
            edo::spawn([]() -> edo::task<> { co_await edo::time::sleep(1h); }).detach();
          }
          co_await edo::time::sleep(std::chrono::duration<double>(s + 0.5));
        }(seconds));
      });
    } else {
      rt.block_on([]() -> edo::task<> {
        for (int i = 0; i < 10'000; ++i) {
          edo::spawn([]() -> edo::task<> { co_await edo::time::sleep(1h); }).detach();
        }
        co_return;
      }());
    }
    std::this_thread::sleep_for(200ms);  // let the spawns settle
    const double c0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - c0;
    std::printf("idle_cpu runtime=edo flavor=%s seconds=%.2f cpu_percent=%.3f\n", flavor, wall,
                100.0 * cpu / wall);
    if (driver.joinable()) driver.join();
  }
  return 0;
}
