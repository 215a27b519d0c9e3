#!/usr/bin/env bash
# Builds the guests and the benchmark, checks that every runtime gives the same answers, runs JMH
# (results.txt + results.csv, then a fresh-JVM cold start: results-fresh-jvm.{txt,csv}) and draws
# chart.png and results.md. Extra arguments go to the main JMH run (e.g. a benchmark regex).
# Needs: JDK 25 (GraalWasm 25 needs 21+), Maven, wat2wasm (wabt), python3, and
# ../../examples/out/collatz_c.wasm (examples/build.sh) and pulsar-wasm 0.1.0-SNAPSHOT in ~/.m2.
set -euo pipefail
cd "$(dirname "$0")"
export JAVA_HOME="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
here="$(pwd)"

mkdir -p wasm
for w in trivial fib mem; do wat2wasm "wat/$w.wat" -o "wasm/$w.wasm"; done
python3 wat/gen_big.py wasm
wat2wasm wasm/big.wat -o wasm/big.wasm
test -f ../../examples/out/collatz_c.wasm || { echo "build examples/out/collatz_c.wasm first (examples/build.sh)" >&2; exit 1; }

nice -n 19 mvn -B -ntp -q package

# GraalWasm's optimizing runtime on a stock JDK: JVMCI on, the Graal compiler on the upgrade
# module path, polyglot/Truffle/wasm on the module path (on the class path Truffle would fall back
# to its interpreter). Harmless for the other runtimes, so every fork gets it.
JVM_ARGS="-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path=$here/target/graal-compiler --module-path=$here/target/graal --add-modules=ALL-MODULE-PATH --enable-native-access=ALL-UNNAMED,org.graalvm.truffle --sun-misc-unsafe-memory-access=allow"

# Every runtime's answer for every workload, compared before anything is timed.
# shellcheck disable=SC2086
nice -n 19 "$JAVA" $JVM_ARGS -cp target/benchmarks.jar io.github.pulsarwasm.jvmruntimes.Verify | tee verify.txt

nice -n 19 "$JAVA" --sun-misc-unsafe-memory-access=allow -jar target/benchmarks.jar -jvmArgsAppend "$JVM_ARGS" \
  -rf csv -rff results.csv -o results.txt "$@"
# Cold start in a fresh JVM: the first module each JVM loads (JIT and class loading cold too).
nice -n 19 "$JAVA" --sun-misc-unsafe-memory-access=allow -jar target/benchmarks.jar ColdStartBenchmark -f 5 -wi 0 -i 1 -jvmArgsAppend "$JVM_ARGS" \
  -rf csv -rff results-fresh-jvm.csv -o results-fresh-jvm.txt

"$JAVA" -Djava.awt.headless=true -cp target/benchmarks.jar io.github.pulsarwasm.jvmruntimes.Chart \
  chart.png results.md results.csv results-fresh-jvm.csv
echo "wrote results.txt results.csv results-fresh-jvm.txt results-fresh-jvm.csv results.md chart.png"
