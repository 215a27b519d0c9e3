#!/usr/bin/env bash
# Measures one call, in one run each so the numbers compare on a shared, noisy machine:
#   - criterion (Rust, no JVM): wasmer's own TypedFunction::call vs the core's call_i64;
#   - JMH (Java): a Java lambda, a no-op JNI call, WasmFunction on a trivial and on a
#     compute-heavy guest, and that computation in Java.
# Results go to bench/results/ (criterion.txt, jmh.txt, jmh.json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/results
mkdir -p "$out"

scripts/build.sh -DskipTests -q

printf '\n==> criterion: cargo bench\n'
cargo bench --locked --bench call -- --warm-up-time 2 --measurement-time 5 2>&1 | tee "$out/criterion.txt"

printf '\n==> JMH\n'
java -jar java/bench/target/benchmarks.jar -rf json -rff "$out/jmh.json" "$@" 2>&1 | tee "$out/jmh.txt"
