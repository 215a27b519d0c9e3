#!/usr/bin/env bash
# Runs every test: the guests against their references (examples/check.mjs), the Rust core
# (cargo test), the Java library (mvn install runs JUnit), and the example application.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n==> %s\n' "$*"; }

step "Rust core: cargo test --release"
cargo test --release --locked

# Builds the guests (and checks them), the library and the jars, running the Java tests.
scripts/build.sh

step "example application against the installed jar"
mvn -B -ntp -q -f examples/java-app/pom.xml package
java -cp "examples/java-app/target/wasm-app-1.0.jar:java/core/target/pulsar-wasm-0.1.0-SNAPSHOT.jar" com.acme.Demo

step "all tests passed"
