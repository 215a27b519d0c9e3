#!/usr/bin/env bash
# Builds function.c into a WebAssembly module (ABI v1) with clang, freestanding (no libc).
# Usage: ./build.sh OUT.wasm        Tools: CLANG (default clang-19), wasm-opt (optional).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.wasm" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
CLANG="${CLANG:-clang-19}"
command -v "$CLANG" >/dev/null || {
  echo "$0: $CLANG not found: set CLANG to a clang with the wasm32 target and wasm-ld" \
    "(Debian/Ubuntu: apt install clang-19 lld-19)" >&2
  exit 1
}
mkdir -p -- "$(dirname -- "$1")"
OUT="$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$CLANG" --target=wasm32 -ffreestanding -nostdlib -O2 -Wall -Wextra -Werror \
  -I "$HERE/sdk" -Wl,--no-entry "$HERE/function.c" -o "$TMP/function.wasm"
if command -v wasm-opt >/dev/null; then
  wasm-opt -O3 --strip-debug --strip-producers --strip-target-features \
    "$TMP/function.wasm" -o "$TMP/function.wasm"
fi
mv -f "$TMP/function.wasm" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
