#!/usr/bin/env bash
# The main job: build everything, then run example WASM functions (C, Rust, WAT guests)
# through the pulsar-wasm jar from a separate application jar, printing inputs and outputs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/build.sh -DskipTests -q
printf '\n==> example application: examples/java-app\n'
mvn -B -ntp -q -f examples/java-app/pom.xml package
java -cp "examples/java-app/target/wasm-app-1.0.jar:java/core/target/pulsar-wasm-0.1.0-SNAPSHOT.jar" com.acme.Demo
