#!/usr/bin/env bash
# Signal stress (not part of CI): trapping calls of every kind (unreachable, out of bounds,
# division by zero, wasm stack overflow, out of fuel, past the deadline) on several threads, each
# followed by a checked normal call, while other threads take JIT implicit null checks, Java
# StackOverflowErrors and GC churn; on JDK 17 and on the JDK Pulsar runs on. See SignalStress.java.
# Usage: scripts/signal-stress.sh [trapping calls, default 1000000] [trapping threads, default 3]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
jar=java/bench/target/benchmarks.jar
[[ -f $jar ]] || scripts/build.sh -DskipTests -q
PULSAR_JAVA_HOME=$(scripts/java21.sh)
for java in java "$PULSAR_JAVA_HOME/bin/java"; do
  printf '\n==> %s\n' "$("$java" -version 2>&1 | head -1)"
  "$java" --enable-native-access=ALL-UNNAMED -cp "$jar" io.github.pulsarwasm.SignalStress "$@" 2>&1 | grep -v "^WARNING: Unknown module"
done
