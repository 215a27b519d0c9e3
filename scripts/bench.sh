#!/usr/bin/env bash
# Measures one call, in one run each so the numbers compare on a shared, noisy machine:
#   - criterion (Rust, no JVM): wasmer's own TypedFunction::call vs the core's call_i64, and a
#     memory-heavy guest on static vs dynamic memories;
#   - callgrind: instructions per call of both (deterministic, unlike timings);
#   - JMH (Java): a Java lambda, a no-op JNI call, WasmFunction on a trivial and on a
#     compute-heavy guest, and that computation in Java;
#   - JMH again on the JDK that Pulsar 4 runs on (21+): the trivial calls against wasmer's own,
#     in 6 forks, because there the results differ more from one JVM to the next.
#   - bytes payloads and host calls (criterion: benches/payload.rs; JMH: PayloadBenchmark, in the
#     first JMH run).
# Results go to bench/results/ (criterion.txt, limits.txt, payload.txt, jmh.txt/json,
# jmh-pulsar-jdk.txt/json). The Pulsar throughput comparison is scripts/throughput.sh.
# Extra arguments go to the first JMH run (e.g. -f 3).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=bench/results
mkdir -p "$out"

scripts/build.sh -DskipTests -q

# The JMH baselines (a no-op JNI call, loops inside Rust) need natives the shipped library does
# not have: build them into a library of their own, then restore the shipped build.
printf '\n==> native library with the benchmark natives\n'
cargo build --release --locked --lib --features bench-natives
mkdir -p target/bench-natives
cp target/release/libpulsar_wasm.so target/bench-natives/
cargo build --release --locked --lib
bench_lib=-Dpulsar.wasm.library.path=$PWD/target/bench-natives/libpulsar_wasm.so

printf '\n==> criterion: cargo bench (the call; static against dynamic memories)\n'
cargo bench --locked --bench call --bench memory_style -- --warm-up-time 2 --measurement-time 5 2>&1 | tee "$out/criterion.txt"

printf '\n==> criterion: the sandbox limits (fuel, deadline) on three guests\n'
cargo bench --locked --bench limits -- --warm-up-time 2 --measurement-time 5 2>&1 | tee "$out/limits.txt"

printf '\n==> criterion: bytes payloads and a host call, beside the i64 call\n'
cargo bench --locked --bench payload -- --warm-up-time 2 --measurement-time 5 2>&1 | tee "$out/payload.txt"

# Instruction counts do not depend on what else the machine is doing, timings do.
printf '\n==> instructions per call (valgrind --tool=callgrind)\n'
instructions=$(find target/release/deps -maxdepth 1 -type f -executable -name 'instructions-*' | head -1)
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" "$instructions" --bench >/dev/null 2>&1
callgrind_annotate --inclusive=yes "$out/callgrind.out" | grep -E 'wasmer_calls|core_calls' \
  | awk '{gsub(",", "", $1); sub(/.*::/, "", $3); printf "%-14s %6.1f instructions per call\n", $3, $1 / 100000}' | tee "$out/instructions.txt"
rm -f "$out/callgrind.out"

printf '\n==> JMH\n'
java "$bench_lib" -jar java/bench/target/benchmarks.jar -jvmArgsAppend "$bench_lib" -rf json -rff "$out/jmh.json" "$@" 2>&1 | tee "$out/jmh.txt"

PULSAR_JAVA_HOME=$(scripts/java21.sh)
printf '\n==> JMH on %s\n' "$PULSAR_JAVA_HOME"
"$PULSAR_JAVA_HOME/bin/java" -jar java/bench/target/benchmarks.jar -f 6 -jvmArgsAppend "--enable-native-access=ALL-UNNAMED $bench_lib" \
    -rf json -rff "$out/jmh-pulsar-jdk.json" 'CallBenchmark.(wasmTrivial|wasmTrivialBoxed|wasmTrivialNativeOnly|wasmerTypedCallNativeLoop)$' 2>&1 \
    | tee "$out/jmh-pulsar-jdk.txt"
