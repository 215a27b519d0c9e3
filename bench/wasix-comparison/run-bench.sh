#!/usr/bin/env bash
# Builds both crates (each with its own lock and target/; a clean build of the wasix one takes
# over 30 minutes on 2 cores) and alternates their binaries N times, 5 rounds each.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
N=${1:-3}
for crate in handwritten wasix; do (cd "$crate" && cargo build --release); done
for i in $(seq 1 "$N"); do
  echo "--- iteration $i: $(uptime)"
  handwritten/target/release/wasix-baseline 5
  wasix/target/release/wasix-measure 5
done
