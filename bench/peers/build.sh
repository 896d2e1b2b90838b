#!/usr/bin/env bash
# Builds the peer benchmark programs, offline:
#   tokio_bench, smol_bench, async_std_bench  (cargo, crates from Debian's
#                                              /usr/share/cargo/registry, see .cargo/config.toml)
#   asio_bench                                (cmake, Boost.Asio 1.81 headers)
#   node_bench.js                             (nothing to build; syntax-checked)
#
#   bench/peers/build.sh [BUILD_DIR]     (default: bench/peers/target)
#
# Outputs: BUILD_DIR/release/{tokio_bench,smol_bench,async_std_bench} (BUILD_DIR is the
# shared CARGO_TARGET_DIR) and BUILD_DIR/asio/asio_bench. Idempotent (incremental);
# exits non-zero if anything fails.
set -euo pipefail

PEERS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="${1:-$PEERS/target}"
mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd)"

CARGO="${CARGO:-$(command -v cargo || true)}"
[[ -n "$CARGO" ]] || CARGO="$HOME/.cargo/bin/cargo"
[[ -x "$CARGO" ]] || { echo "build.sh: cargo not found (set CARGO=...)" >&2; exit 1; }

export CARGO_TARGET_DIR="$BUILD"
for proj in tokio smol async-std; do
  echo "build.sh: cargo build --release ($proj)" >&2
  # Run from inside the project so cargo picks up bench/peers/.cargo/config.toml
  # (the offline Debian registry); --offline in case a parent config overrides it.
  (cd "$PEERS/$proj" && "$CARGO" build --release --offline --quiet)
done

echo "build.sh: cmake (asio)" >&2
cmake -S "$PEERS/asio" -B "$BUILD/asio" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD/asio" --target asio_bench -j "$(nproc)" >/dev/null

if command -v node >/dev/null; then
  node --check "$PEERS/node/node_bench.js"
else
  echo "build.sh: node not found (node_bench.js cannot run)" >&2
  exit 1
fi

for b in "$BUILD/release/tokio_bench" "$BUILD/release/smol_bench" \
         "$BUILD/release/async_std_bench" "$BUILD/asio/asio_bench"; do
  [[ -x "$b" ]] || { echo "build.sh: missing $b" >&2; exit 1; }
done
echo "build.sh: peers built in $BUILD" >&2
