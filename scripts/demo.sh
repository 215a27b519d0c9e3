#!/usr/bin/env bash
# The main job: build everything, start an embedded Apache Pulsar standalone with its functions
# worker, deploy the example WASM function package (examples/pulsar-function) the way
# `pulsar-admin functions create --jar` does, stream numbers through it and print
# input → output with the count and throughput. Pulsar's own log goes to
# java/pulsar-it/target/demo-pulsar.log. Usage: scripts/demo.sh [messages, default 10000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Rebuild only when a source changed since the last complete build (scripts/test.sh makes one).
sources=(native tests build.rs Cargo.toml Cargo.lock java/pom.xml java/core java/pulsar-it/pom.xml java/pulsar-it/src
  examples/c examples/rust/src examples/assemblyscript/assembly examples/zig examples/wat examples/enrich examples/upper sdk
  examples/pulsar-function/pom.xml
  examples/pulsar-function/src)
if [[ -f target/build.stamp && -f examples/pulsar-function/target/wasm-pulsar-function.jar &&
      -z $(find "${sources[@]}" -newer target/build.stamp -not -path '*/target/*' -type f -print -quit) ]]; then
  printf '==> build is up to date (nothing changed since %s)\n' "$(date -r target/build.stamp '+%F %T')"
else
  scripts/build.sh -DskipTests -q
fi
PULSAR_JAVA_HOME=$(scripts/java21.sh)
it=java/pulsar-it
# The JVM flags Pulsar's own launcher uses, kept in the module's pom.
jvm_args=$(sed -n '/<pulsar.jvm.args>/,/<\/pulsar.jvm.args>/p' $it/pom.xml | sed 's/<[^>]*>//g' | tr '\n' ' ')
printf '\n==> WASM functions in Apache Pulsar (Java: %s)\n' "$PULSAR_JAVA_HOME"
# shellcheck disable=SC2086 # jvm_args is a list of flags
PATH="$PULSAR_JAVA_HOME/bin:$PATH" "$PULSAR_JAVA_HOME/bin/java" $jvm_args \
  -cp "$it/target/classes:$(cat $it/target/classpath.txt)" io.github.pulsarwasm.it.Demo \
  examples/pulsar-function/target/wasm-pulsar-function.jar "${1:-10000}" 2> "$it/target/demo-pulsar.log"
