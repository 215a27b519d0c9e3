#!/usr/bin/env bash
# Builds everything: the example guests (installing their toolchains when missing), the native
# library (release), the Java jars (installed into ~/.m2 so example projects can use them) and
# the example Pulsar function package; runs the Java and Pulsar tests unless -DskipTests.
# Usage: scripts/build.sh [extra Maven arguments, e.g. -DskipTests]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n==> %s\n' "$*"; }

step "guests: examples/build.sh"
examples/build.sh

# --all-targets: the same feature set as `cargo test` (which turns on dev-dependency features),
# so the tests, the benches and the library share one build of wasmer instead of two.
step "native library: cargo build --release --all-targets"
cargo build --release --locked --all-targets

step "fuzz corpus: wasm-smith modules for the Java fuzz test"
mkdir -p target/fuzz-corpus
cargo run --release --locked --example fuzz_corpus -- target/fuzz-corpus/corpus.bin 4000

# Pulsar 4.0 runs on Java 21+: the demo and the Pulsar tests use this JDK; the build itself stays on 17.
PULSAR_JAVA_HOME=$(scripts/java21.sh)
export PULSAR_JAVA_HOME

step "Java: mvn install $* (Pulsar on $PULSAR_JAVA_HOME)"
mvn -B -ntp -f java/pom.xml install -Dpulsar.java.home="$PULSAR_JAVA_HOME" "$@"

# For scripts/demo.sh: everything above is built from the sources as they are now.
touch target/build.stamp
