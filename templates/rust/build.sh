#!/usr/bin/env bash
# Builds function.rs into a WebAssembly module (ABI v1) with rustc alone, no cargo: the SDK
# (sdk/) as an rlib first, then the function as a cdylib linked against it (LTO across both).
# Usage: ./build.sh OUT.wasm
# Tools: RUSTC (default rustc) with the wasm32-unknown-unknown standard library, WASM_LD (default:
# wasm-ld-14, wasm-ld-19 or wasm-ld, the first on PATH), wasm-opt (optional).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.wasm" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
TARGET=wasm32-unknown-unknown
has_target() { # whether rustc $1 has the standard library for $TARGET
  local dir
  dir="$("$1" --print target-libdir --target "$TARGET" 2>/dev/null)" && compgen -G "$dir/libcore-*.rlib" >/dev/null
}
if [[ -z ${RUSTC:-} ]]; then
  RUSTC=rustc
  # rustup's rustc on the PATH may lack the target where Debian's has it.
  if ! has_target rustc && [[ -x /usr/bin/rustc ]] && has_target /usr/bin/rustc; then RUSTC=/usr/bin/rustc; fi
fi
command -v "$RUSTC" >/dev/null || {
  echo "$0: $RUSTC not found: set RUSTC to a rustc (1.63 or later) with the $TARGET target" \
    "(rustup target add $TARGET; or Debian: apt install rustc libstd-rust-dev-wasm32)" >&2
  exit 1
}
has_target "$RUSTC" || {
  echo "$0: $RUSTC has no standard library for $TARGET: run rustup target add $TARGET," \
    "or set RUSTC to a rustc that has it (Debian: apt install rustc libstd-rust-dev-wasm32," \
    "then RUSTC=/usr/bin/rustc)" >&2
  exit 1
}
# wasm-ld 14 first: newer ones reject the rlibs of Debian's rustc 1.63 ("lib.rmeta is neither
# Wasm object file nor LLVM bitcode").
if [[ -z ${WASM_LD:-} ]]; then
  for ld in wasm-ld-14 wasm-ld-19 wasm-ld; do
    if command -v "$ld" >/dev/null; then WASM_LD=$ld; break; fi
  done
fi
[[ -n ${WASM_LD:-} ]] && command -v "$WASM_LD" >/dev/null || {
  echo "$0: ${WASM_LD:-wasm-ld} not found: set WASM_LD to LLVM's wasm-ld" \
    "(Debian/Ubuntu: apt install lld-14, which Debian's rustc 1.63 links with)" >&2
  exit 1
}
mkdir -p -- "$(dirname -- "$1")"
OUT="$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Panic locations name files relative to this directory (sdk/src/...), not this machine.
COMMON=(--edition 2021 --target "$TARGET" -C opt-level=3 -C panic=abort -D warnings
        --remap-path-prefix "$HERE/=")
"$RUSTC" "${COMMON[@]}" --crate-type rlib --crate-name pulsar_wasm_guest \
  --cfg 'feature="global-allocator"' --cfg 'feature="panic-handler"' \
  "$HERE/sdk/src/lib.rs" --out-dir "$TMP"
"$RUSTC" "${COMMON[@]}" --crate-type cdylib --crate-name function \
  -C lto -C linker="$WASM_LD" -C strip=symbols \
  --extern pulsar_wasm_guest="$TMP/libpulsar_wasm_guest.rlib" -L "$TMP" \
  "$HERE/function.rs" -o "$TMP/function.wasm"
if command -v wasm-opt >/dev/null; then
  wasm-opt -O3 --strip-debug --strip-producers --strip-target-features \
    "$TMP/function.wasm" -o "$TMP/function.wasm"
fi
mv -f "$TMP/function.wasm" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
