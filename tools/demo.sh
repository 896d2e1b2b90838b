#!/usr/bin/env bash
# The demo: builds edo (release), runs the seed's programs, then a short benchmark table
# of edo beside Tokio (the comparison with every peer is bench/run_all.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh bench
export CCACHE_DIR=${CCACHE_DIR:-$PWD/build/.ccache}
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

echo
echo "=== The seed's programs, on edo"
for ex in seed_services seed_fast_slow seed_current_thread seed_blocking seed_no_runtime \
          seed_agnostic seed_crawler seed_builder exercise_greet exercise_blocking_pool \
          exercise_timeout config_reload; do
  exe=build/release/examples/$ex
  [[ -x $exe ]] || continue
  echo "--- $ex"
  "$exe"
done

echo
echo "=== A short benchmark: edo and Tokio, same workloads, same run (SCALE=${SCALE:-0.2})"
SCALE=${SCALE:-0.2} RUNTIMES="edo tokio" RESULTS_DIR=build/demo-results bench/run_all.sh >/dev/null
cat "build/demo-results/$(date +%F).md"
