#!/usr/bin/env bash
# Builds function.cpp into a WebAssembly module (ABI v1): clang++ for WASI (wasi-libc, libc++),
# as a reactor. Usage: ./build.sh OUT.wasm
# Tools: CLANGXX (default clang++-19) with a WASI sysroot, wasm-opt (optional).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.wasm" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
CLANGXX="${CLANGXX:-clang++-19}"
command -v "$CLANGXX" >/dev/null || {
  echo "$0: $CLANGXX not found: set CLANGXX to a clang++ with a WASI sysroot (Debian/Ubuntu:" \
    "apt install clang-19 lld-19 wasi-libc libc++-19-dev-wasm32 libc++abi-19-dev-wasm32" \
    "libclang-rt-19-dev-wasm32; or the WASI SDK)" >&2
  exit 1
}
mkdir -p -- "$(dirname -- "$1")"
OUT="$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# -mexec-model=reactor: exports _initialize (constructors) instead of a _start the host refuses.
"$CLANGXX" --target=wasm32-wasi -mexec-model=reactor -fno-exceptions -O2 -Wall -Wextra -Werror \
  -I "$HERE/sdk" "$HERE/function.cpp" -o "$TMP/function.wasm"
if command -v wasm-opt >/dev/null; then
  wasm-opt -O3 --strip-debug --strip-producers --strip-target-features \
    "$TMP/function.wasm" -o "$TMP/function.wasm"
fi
mv -f "$TMP/function.wasm" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
