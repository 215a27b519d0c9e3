#!/usr/bin/env bash
# Builds examples/enrich/rust/enrich.rs with the Rust SDK (sdk/rust) into OUT_DIR/enrich_rust.wasm.
# Usage: build.sh OUT_DIR
# Debian's rustc 1.63 directly, no cargo: the SDK is compiled to an rlib first (in a temporary
# folder), then the guest as a cdylib against it (LTO across both), then wasm-opt.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd -- "$HERE/../../.." && pwd)"
SDK="$ROOT/sdk/rust"
mkdir -p "$1"
OUT="$(cd -- "$1" && pwd)/enrich_rust.wasm"
RUSTC=${RUSTC:-/usr/bin/rustc}   # Debian's (rustup's has no wasm32 std here)

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Panic locations name files relative to the repository (sdk/rust/src/...), not this machine.
COMMON=(--edition 2021 --target wasm32-unknown-unknown -C opt-level=3 -C panic=abort -D warnings
        --remap-path-prefix "$ROOT/=")

"$RUSTC" "${COMMON[@]}" --crate-type rlib --crate-name pulsar_wasm_guest \
  --cfg 'feature="global-allocator"' --cfg 'feature="panic-handler"' \
  "$SDK/src/lib.rs" --out-dir "$TMP"

"$RUSTC" "${COMMON[@]}" --crate-type cdylib --crate-name enrich_rust \
  -C lto -C linker=wasm-ld-14 -C strip=symbols \
  --extern pulsar_wasm_guest="$TMP/libpulsar_wasm_guest.rlib" -L "$TMP" \
  "$HERE/enrich.rs" -o "$OUT"

wasm-opt -O3 --strip-debug --strip-producers --strip-target-features "$OUT" -o "$OUT"
