#!/usr/bin/env bash
# String -> String throughput of the same function in Java and in WebAssembly, in one embedded
# Pulsar (java/pulsar-it Throughput). Usage: scripts/throughput.sh [messages per round] [rounds]
# The result goes to bench/results/throughput.txt too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -f examples/pulsar-function/target/wasm-pulsar-function.jar ]] || scripts/build.sh -DskipTests -q
PULSAR_JAVA_HOME=$(scripts/java21.sh)
it=java/pulsar-it
jvm_args=$(sed -n '/<pulsar.jvm.args>/,/<\/pulsar.jvm.args>/p' $it/pom.xml | sed 's/<[^>]*>//g' | tr '\n' ' ')
mkdir -p bench/results
"$PULSAR_JAVA_HOME/bin/java" $jvm_args -cp "$it/target/classes:$(cat $it/target/classpath.txt)" \
  io.github.pulsarwasm.it.Throughput examples/pulsar-function/target/wasm-pulsar-function.jar "${1:-20000}" "${2:-3}" \
  2> "$it/target/throughput-pulsar.log" | tee bench/results/throughput.txt
