#!/usr/bin/env bash
# Builds the WASI guests into OUT_DIR: wordstats in C (wasi-libc), C++ (libc++), Go (its
# standard library) and Rust (std), each a reactor on the project's SDK, and wasi_probe.wasm
# (C) for the sandbox tests. The toolchains come from examples/build.sh.
# Usage: examples/wasi/build.sh OUT_DIR
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd -- "$HERE/../.." && pwd)"
mkdir -p "$1"
OUT="$(cd -- "$1" && pwd)"
RUSTC=${RUSTC:-/usr/bin/rustc}
# Debian's rustc ships wasi-libc and crt1-reactor.o for wasm32-wasi beside its std.
RUST_WASI_CRT=/usr/lib/rustlib/wasm32-wasi/lib/self-contained/crt1-reactor.o
opt() { wasm-opt -O3 --strip-debug --strip-producers --strip-target-features "$1" -o "$1"; }

# C and C++: -mexec-model=reactor exports _initialize (libc's constructors) instead of _start.
clang-19 --target=wasm32-wasi -mexec-model=reactor -O2 -Wall -Wextra -Werror -I "$ROOT/sdk/c" \
  "$HERE/wordstats.c" -o "$OUT/wordstats_c.wasm"
opt "$OUT/wordstats_c.wasm"
clang-19 --target=wasm32-wasi -mexec-model=reactor -O2 -Wall -Wextra -Werror -I "$ROOT/sdk/c" \
  "$HERE/probe.c" -o "$OUT/wasi_probe.wasm"
opt "$OUT/wasi_probe.wasm"
clang++-19 --target=wasm32-wasi -mexec-model=reactor -fno-exceptions -O2 -Wall -Wextra -Werror \
  -I "$ROOT/sdk/c" "$HERE/wordstats.cpp" -o "$OUT/wordstats_cpp.wasm"
opt "$OUT/wordstats_cpp.wasm"

# Go 1.24+: -buildmode=c-shared makes a reactor; the SDK's //go:wasmexport functions are its
# entry points. GOTOOLCHAIN=local: never download another Go.
(cd "$HERE/go" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GOOS=wasip1 GOARCH=wasm \
  go build -buildmode=c-shared -trimpath -o "$OUT/wordstats_go.wasm" .)

# Rust with std: the SDK as an rlib with its std feature (std's allocator and panic handler).
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
COMMON=(--edition 2021 --target wasm32-wasi -C opt-level=3 -C panic=abort -D warnings
        --remap-path-prefix "$ROOT/=")
"$RUSTC" "${COMMON[@]}" --crate-type rlib --crate-name pulsar_wasm_guest --cfg 'feature="std"' \
  "$ROOT/sdk/rust/src/lib.rs" --out-dir "$TMP"
"$RUSTC" "${COMMON[@]}" --crate-type cdylib --crate-name wordstats_rust -C lto -C linker=wasm-ld-14 \
  -C link-arg="$RUST_WASI_CRT" -C strip=symbols \
  --extern pulsar_wasm_guest="$TMP/libpulsar_wasm_guest.rlib" -L "$TMP" \
  "$HERE/rust/wordstats.rs" -o "$OUT/wordstats_rust.wasm"
opt "$OUT/wordstats_rust.wasm"

for f in wordstats_c wordstats_cpp wordstats_go wordstats_rust wasi_probe; do
  echo "$OUT/$f.wasm: $(stat -c %s "$OUT/$f.wasm") bytes"
done
