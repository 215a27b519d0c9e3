#!/usr/bin/env bash
# Builds the C enrich guest: OUT_DIR/enrich_c.wasm (clang-19 + wasm-ld-19, then wasm-opt).
# Usage: examples/enrich/c/build.sh OUT_DIR
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd -- "$HERE/../../.." && pwd)"
mkdir -p "$1"
OUT="$(cd -- "$1" && pwd)/enrich_c.wasm"

clang-19 --target=wasm32 -ffreestanding -nostdlib -O2 -Wall -Wextra -Werror \
  -I "$ROOT/sdk/c" -Wl,--no-entry "$HERE/enrich.c" -o "$OUT"
wasm-opt -O3 --strip-debug --strip-producers --strip-target-features "$OUT" -o "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
