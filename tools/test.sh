#!/usr/bin/env bash
# Builds and runs edo's whole test suite:
#   1. dev   — g++ 12, debug, -Werror: unit, integration, stress tests and the examples;
#   2. asan  — clang-16, AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on);
#   3. tsan  — clang-16, ThreadSanitizer;
#   4. bench — the benchmark comparison at SCALE=0.01, checking that every runtime printed
#              every line (never timings).
# Usage: tools/test.sh [dev|asan|tsan|bench ...]   (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=("$@")
((${#steps[@]})) || steps=(dev asan tsan bench)

tools/deps.sh test
export CCACHE_DIR=${CCACHE_DIR:-$PWD/build/.ccache}
jobs=$(nproc)

for s in "${steps[@]}"; do
  start=$SECONDS
  case $s in
    dev|asan|tsan)
      echo "=== $s: configure + build" >&2
      cmake --preset "$s" >/dev/null
      cmake --build --preset "$s" -j "$jobs"
      echo "=== $s: test" >&2
      ctest --preset "$s" -j "$jobs"
      ;;
    bench)
      echo "=== bench: smoke comparison (SCALE=0.01)" >&2
      bench/run_all.sh --smoke
      ;;
    *)
      echo "unknown step $s (want dev, asan, tsan or bench)" >&2
      exit 2
      ;;
  esac
  echo "=== $s: done in $((SECONDS - start)) s" >&2
done
