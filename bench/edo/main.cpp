// edo_bench: the workloads of bench/WORKLOADS.md on edo.
//
//   edo_bench <mt|ct> [workload,...]
//
// mt = multi-thread runtime with 2 workers, ct = current-thread; both enable_all(). Each
// run's clock starts inside a spawned driver task. One warm-up run and five timed runs per
// workload; the median is printed. Only edo's own primitives are used.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <edo/edo.hpp>

#include "harness.hpp"
#include "workloads.hpp"

namespace edo_bench {
namespace {

const std::vector<std::string> all_workloads = {
    "spawn_many", "yield_many",    "ping_pong", "chained_spawn", "mpsc_contended",
    "timers",     "timeout_ready", "tcp_echo",  "idle_tasks_mem"};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: edo_bench <mt|ct> [workload,...]\nworkloads:");
  for (const auto& w : all_workloads) std::fprintf(stderr, " %s", w.c_str());
  std::fprintf(stderr, "\n");
  std::exit(2);
}

flavor parse_flavor(std::string_view s) {
  if (s == "mt") return flavor::mt;
  if (s == "ct") return flavor::ct;
  usage();
}

}  // namespace
}  // namespace edo_bench

int main(int argc, char** argv) {
  using namespace edo_bench;
  if (argc < 2) usage();
  if (std::strcmp(argv[1], "--idle-child") == 0) {
    if (argc < 3) usage();
    idle_child(parse_flavor(argv[2]));
    return 0;
  }
  const flavor f = parse_flavor(argv[1]);
  std::vector<std::string> list;
  if (argc > 2) {
    std::string s = argv[2];
    std::size_t pos = 0;
    while (pos <= s.size()) {
      const std::size_t comma = s.find(',', pos);
      std::string w = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (!w.empty()) {
        bool known = false;
        for (const auto& k : all_workloads) known = known || k == w;
        if (!known) {
          std::fprintf(stderr, "unknown workload %s\n", w.c_str());
          usage();
        }
        list.push_back(w);
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  } else {
    list = all_workloads;
  }

  const sizes sz = scaled_sizes();
  edo::runtime rt = build_runtime(f);
  for (const auto& w : list) {
    std::fprintf(stderr, "edo %s %s\n", flavor_name(f), w.c_str());
    if (w == "idle_tasks_mem") {
      run_idle_child("/proc/self/exe", f);
      continue;
    }
    bench(w, f, [&]() -> run { return run_workload(rt, w, sz); });
  }
  return 0;
}
