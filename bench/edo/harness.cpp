// The WORKLOADS.md harness (see harness.hpp).
#include "harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace edo_bench {
namespace {

double scale() {
  const char* s = std::getenv("SCALE");
  if (s == nullptr || *s == '\0') return 1.0;
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || !std::isfinite(v) || v <= 0) {
    std::fprintf(stderr, "invalid SCALE=%s (want a positive float)\n", s);
    std::exit(2);
  }
  return v;
}

std::uint64_t scaled(std::uint64_t base) {
  return static_cast<std::uint64_t>(std::max(1.0, std::round(static_cast<double>(base) * scale())));
}

}  // namespace

sizes scaled_sizes() {
  return sizes{scaled(100'000), scaled(1'000),     scaled(1'000), scaled(10'000),   scaled(100'000),
               scaled(100'000), scaled(1'000'000), scaled(2'000), scaled(1'000'000)};
}

const char* flavor_name(flavor f) {
  return f == flavor::mt ? "mt" : "ct";
}

edo::runtime build_runtime(flavor f) {
  if (f == flavor::mt) {
    return edo::runtime::builder::multi_thread().worker_threads(2).enable_all().build();
  }
  return edo::runtime::builder::current_thread().enable_all().build();
}

std::string result_line(const std::string& workload, flavor f, std::uint64_t n,
                        std::chrono::nanoseconds elapsed, const std::string& extra) {
  const double ns = static_cast<double>(elapsed.count());
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "workload=%s runtime=edo flavor=%s n=%llu total_ms=%.3f ns_per_op=%.2f",
                workload.c_str(), flavor_name(f), static_cast<unsigned long long>(n), ns / 1e6,
                ns / static_cast<double>(n));
  std::string line = buf;
  if (!extra.empty()) line += " extra=" + extra;
  return line;
}

void emit(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void bench(const std::string& workload, flavor f, const std::function<run()>& one) {
  (void)one();  // warm-up
  std::vector<run> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(one());
  std::sort(runs.begin(), runs.end(),
            [](const run& a, const run& b) { return a.elapsed < b.elapsed; });
  const run m = runs[runs.size() / 2];
  std::string extra;
  if (workload == "timers") {
    char buf[64];
    std::snprintf(buf, sizeof buf, "overshoot_ms:%.3f",
                  static_cast<double>(m.elapsed.count()) / 1e6 - 100.0);
    extra = buf;
  }
  emit(result_line(workload, f, m.n, m.elapsed, extra));
}

void reset_hwm() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  if (!f) {
    std::fprintf(stderr, "cannot reset VmHWM through /proc/self/clear_refs\n");
    std::exit(1);
  }
}

std::uint64_t vm_hwm_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream is(line.substr(6));
      std::uint64_t kb = 0;
      is >> kb;
      return kb * 1024;
    }
  }
  std::fprintf(stderr, "no VmHWM in /proc/self/status\n");
  std::exit(1);
}

// idle_tasks_mem runs once in a fresh child process (this executable re-executed with
// --idle-child), so memory earlier workloads left in the allocator cannot hide the growth.
void run_idle_child(const char*, flavor f) {
  char exe[4096];
  const ssize_t len = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) {
    std::perror("readlink /proc/self/exe");
    std::exit(1);
  }
  exe[len] = '\0';
  const std::string cmd = std::string("'") + exe + "' --idle-child " + flavor_name(f);
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    std::perror("popen");
    std::exit(1);
  }
  char buf[1024];
  while (std::fgets(buf, sizeof buf, p) != nullptr) std::fputs(buf, stdout);
  std::fflush(stdout);
  if (::pclose(p) != 0) {
    std::fprintf(stderr, "idle_tasks_mem child failed\n");
    std::exit(1);
  }
}

}  // namespace edo_bench
