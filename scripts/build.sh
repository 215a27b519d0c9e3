#!/usr/bin/env bash
# Builds everything: the example guests (installing their toolchains when missing), the native
# library (release), and the Java jars (installed into ~/.m2 so example projects can use them).
# Usage: scripts/build.sh [extra Maven arguments, e.g. -DskipTests]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
step() { printf '\n==> %s\n' "$*"; }

step "guests: examples/build.sh"
examples/build.sh

step "native library: cargo build --release"
cargo build --release --locked

step "Java: mvn install $*"
mvn -B -ntp -f java/pom.xml install "$@"
