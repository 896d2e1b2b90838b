#!/usr/bin/env bash
# Installs (with apt, as root or through sudo) what edo's build, tests and benchmarks need
# and a fresh Debian 12 machine lacks. Idempotent: installs only what is missing.
#   tools/deps.sh [test|bench|all]
set -euo pipefail
what=${1:-all}

pkgs=(cmake ninja-build g++ ccache libgtest-dev)
if [[ $what == test || $what == all ]]; then
  pkgs+=(clang-16 libclang-rt-16-dev tmux)  # tmux drives edo-console's live view in a test
fi
if [[ $what == bench || $what == all || $what == test ]]; then
  pkgs+=(libboost1.81-dev nodejs gnuplot-nox python3
         librust-tokio-dev librust-tokio-macros-dev librust-smol-dev librust-async-std-dev
         librust-futures-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "tools/deps.sh: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "tools/deps.sh: cargo not found; the Rust peers need Rust (rustc + cargo)" >&2
fi
