#!/usr/bin/env bash
# The long fuzz run (not part of CI): tests/fuzz.rs with N inputs of each kind (random bytes,
# mutated modules, wasm-smith modules; default 333,334 each, 10^6 in all), loaded and called
# under tight limits through the core. Prints the outcomes of each kind and the time taken.
# Usage: scripts/fuzz.sh [cases per kind] [seed]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PULSAR_WASM_FUZZ_CASES=${1:-333334}
export PULSAR_WASM_FUZZ_SEED=${2:-$RANDOM}
echo "fuzz: $PULSAR_WASM_FUZZ_CASES inputs of each kind, seed $PULSAR_WASM_FUZZ_SEED"
cargo test --release --locked --test fuzz -- --nocapture --test-threads 1
