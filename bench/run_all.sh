#!/usr/bin/env bash
# Runs the runtime benchmark for edo and its peers and writes the report.
#
#   bench/run_all.sh            full run (SCALE from the environment, default 1)
#   bench/run_all.sh --smoke    CI: SCALE=0.01, then checks that every runtime printed
#                               every expected line (workload x supported flavor);
#                               exits non-zero naming what is missing. Never checks
#                               timings. (SMOKE=1 in the environment does the same.)
#
# Environment:
#   SCALE        size multiplier passed to every program (default 1; --smoke: 0.01)
#   EDO_BENCH    edo's benchmark binary (default build/release/bench/edo_bench, built or
#                brought up to date with the `release` CMake preset first)
#   EDO_REBUILD  0 = use the binary as it is (default 1: an incremental cmake build, so a
#                stale binary is never measured; a given EDO_BENCH defaults to 0)
#   RUNTIMES     which runtimes to run, in order (default: edo tokio smol async-std asio node)
#   PEER_BUILD   build dir for the peers (default bench/peers/target; see peers/build.sh)
#   RESULTS_DIR  where the report goes (default bench/results; --smoke:
#                $PEER_BUILD/smoke-results, i.e. inside the git-ignored build dir)
#   RUN_TIMEOUT  seconds one program may run before it is killed (default 1800)
#   ROUNDS       how many times to run the whole set (default 1). With more, every runtime
#                runs once per round and the report takes each cell's median over the
#                rounds: on a noisy machine a slow minute then hits one round, not one
#                runtime's whole column.
#
# Order: one runtime after another, mt then ct (unsupported combinations skipped:
# async-std has no ct, node no mt). Result lines (stdout) are collected in
# RESULTS_DIR/<date>.raw.txt; bench/report.py turns them into RESULTS_DIR/<date>.md and
# the gnuplot files RESULTS_DIR/<date>.{dat,gp}, and gnuplot draws RESULTS_DIR/<date>.svg.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

SMOKE="${SMOKE:-0}"
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run_all.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
[[ "$SMOKE" == 0 || "$SMOKE" == "" ]] && SMOKE=0 || SMOKE=1

RUNTIMES="${RUNTIMES:-edo tokio smol async-std asio node}"
PEER_BUILD="${PEER_BUILD:-bench/peers/target}"
if [[ "$SMOKE" == 1 ]]; then
  export SCALE=0.01
  RESULTS_DIR="${RESULTS_DIR:-$PEER_BUILD/smoke-results}"
else
  export SCALE="${SCALE:-1}"
  RESULTS_DIR="${RESULTS_DIR:-bench/results}"
fi
if [[ -n "${EDO_BENCH:-}" ]]; then EDO_REBUILD="${EDO_REBUILD:-0}"; fi
EDO_BENCH="${EDO_BENCH:-build/release/bench/edo_bench}"
RUN_TIMEOUT="${RUN_TIMEOUT:-1800}"
ROUNDS="${ROUNDS:-1}"
DATE="$(date +%F)"

log() { echo "run_all.sh: $*" >&2; }
has_runtime() { [[ " $RUNTIMES " == *" $1 "* ]]; }

# ---- build ------------------------------------------------------------------------
needs_peers=0
for rt in $RUNTIMES; do [[ "$rt" != edo ]] && needs_peers=1; done
if [[ "$needs_peers" == 1 ]]; then
  log "building peers into $PEER_BUILD"
  bench/peers/build.sh "$PEER_BUILD" || { log "building the peers failed"; exit 1; }
fi
failed=()
skip_edo=0
if has_runtime edo && { [[ ! -x "$EDO_BENCH" ]] || [[ "${EDO_REBUILD:-1}" == 1 ]]; }; then
  log "building edo_bench (cmake --preset release)"
  if ! { cmake --preset release >/dev/null && cmake --build --preset release --target edo_bench >&2; }; then
    log "building edo_bench failed; running the peers only"
    failed+=("edo: building edo_bench failed")
    skip_edo=1
  elif [[ ! -x "$EDO_BENCH" ]]; then
    log "no edo benchmark binary at $EDO_BENCH after the build; running the peers only"
    failed+=("edo: no binary at $EDO_BENCH")
    skip_edo=1
  fi
fi

command_for() { # runtime -> the program (flavor and workloads are appended)
  case "$1" in
    edo) echo "$EDO_BENCH" ;;
    tokio) echo "$PEER_BUILD/release/tokio_bench" ;;
    smol) echo "$PEER_BUILD/release/smol_bench" ;;
    async-std) echo "$PEER_BUILD/release/async_std_bench" ;;
    asio) echo "$PEER_BUILD/asio/asio_bench" ;;
    node) echo "node bench/peers/node/node_bench.js" ;;
    *) return 1 ;;
  esac
}
flavors_for() {
  case "$1" in
    async-std) echo mt ;;
    node) echo ct ;;
    *) echo mt ct ;;
  esac
}

# ---- run ----------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR"
RAW="$RESULTS_DIR/$DATE.raw.txt"
: >"$RAW"
start_all=$SECONDS
for ((round = 1; round <= ROUNDS; round++)); do
for rt in $RUNTIMES; do
  [[ "$rt" == edo && "$skip_edo" == 1 ]] && continue
  cmd="$(command_for "$rt")" || { log "unknown runtime $rt"; failed+=("$rt: unknown runtime"); continue; }
  for fl in $(flavors_for "$rt"); do
    log "$rt $fl (SCALE=$SCALE, round $round of $ROUNDS)"
    t0=$SECONDS
    out="$(mktemp)"
    # shellcheck disable=SC2086  # $cmd may be "node <script>"
    timeout "$RUN_TIMEOUT" $cmd "$fl" >"$out"
    rc=$?
    # Keep the result lines; anything else on stdout is reported and dropped.
    grep -E '^workload=' "$out" >>"$RAW"
    if grep -vqE '^workload=|^$' "$out"; then
      log "$rt $fl printed non-result lines on stdout:"
      grep -vE '^workload=|^$' "$out" | head -5 >&2
    fi
    rm -f "$out"
    if [[ $rc -ne 0 ]]; then
      log "$rt $fl FAILED (exit status $rc)"
      failed+=("$rt $fl: exit status $rc")
    fi
    log "$rt $fl done in $((SECONDS - t0)) s"
  done
done
done
log "all runs done in $((SECONDS - start_all)) s; raw lines in $RAW"

# ---- report -------------------------------------------------------------------------
MD="$RESULTS_DIR/$DATE.md"
DAT="$RESULTS_DIR/$DATE.dat"
GP="$RESULTS_DIR/$DATE.gp"
SVG="$RESULTS_DIR/$DATE.svg"
report_args=("$RAW" --md "$MD" --dat "$DAT" --gp "$GP" --svg "$SVG"
             --runtimes "$RUNTIMES" --scale "$SCALE" --title "Runtime benchmark $DATE")
for f in "${failed[@]}"; do report_args+=(--failed "$f"); done
[[ "$SMOKE" == 1 ]] && report_args+=(--check)
python3 bench/report.py "${report_args[@]}"
report_rc=$?

if command -v gnuplot >/dev/null; then
  (cd "$RESULTS_DIR" && gnuplot "$(basename "$GP")") || { log "gnuplot failed"; report_rc=1; }
else
  log "gnuplot not installed: no chart"
  [[ "$SMOKE" == 1 ]] || report_rc=1
fi
log "report: $MD, chart: $SVG"

if [[ ${#failed[@]} -gt 0 ]]; then
  log "failed runs: ${failed[*]}"
  exit 1
fi
exit "$report_rc"
