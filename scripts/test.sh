#!/usr/bin/env bash
# Runs every test: the Rust core (cargo test), the guests against their references
# (examples/check.mjs), the Java library and the WASM functions in a real embedded Pulsar
# (mvn install runs JUnit), a template-made function in the real Pulsar distribution
# (scripts/distribution-test.sh), the example application, and the main job (scripts/demo.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n==> %s\n' "$*"; }

# Cheap checks first. rustfmt and clippy come with rustup's default profile; where they are
# missing, say so rather than fetch them from outside the package registries.
step "Rust format: cargo fmt --check"
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --check
else
  echo "rustfmt is not installed: format check skipped (rustup component add rustfmt)"
fi

step "Rust lints: cargo clippy (warnings are errors)"
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --release --locked --all-targets -- -D warnings
  cargo clippy --release --locked --lib --features bench-natives -- -D warnings
else
  echo "clippy is not installed: lints skipped (rustup component add clippy)"
fi

step "Rust core: cargo test --release"
cargo test --release --locked

# Builds the guests (and checks them), the library and the jars, running the Java tests.
scripts/build.sh

step "a template's function in Apache Pulsar's own distribution: scripts/distribution-test.sh"
scripts/distribution-test.sh

step "example application against the installed jar"
mvn -B -ntp -q -f examples/java-app/pom.xml package
java -cp "examples/java-app/target/wasm-app-1.0.jar:java/core/target/pulsar-wasm-0.1.0-SNAPSHOT.jar" com.acme.Demo

step "the main job: scripts/demo.sh 2000"
scripts/demo.sh 2000

step "all tests passed"
