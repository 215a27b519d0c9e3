#!/usr/bin/env bash
# Builds function.ts into a WebAssembly module (ABI v1) with the AssemblyScript compiler and
# its stub runtime. Usage: ./build.sh OUT.wasm
# Tools: ASC (default asc; may be a command with arguments, e.g. "npx asc"), wasm-opt (optional).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.wasm" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
read -r -a ASC_CMD <<< "${ASC:-asc}"
"${ASC_CMD[@]}" --version >/dev/null 2>&1 || {
  echo "$0: '${ASC:-asc}' does not run: set ASC to the AssemblyScript compiler" \
    "(npm install --save-dev assemblyscript@0.28, then ASC=\"npx asc\" or" \
    "ASC=node_modules/.bin/asc)" >&2
  exit 1
}
mkdir -p -- "$(dirname -- "$1")"
OUT="$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"${ASC_CMD[@]}" "$HERE/function.ts" --outFile "$TMP/function.wasm" \
  --optimizeLevel 3 --shrinkLevel 0 --runtime stub --use abort= --noAssert
# asc writes no target_features section: tell wasm-opt the features it enables by default.
if command -v wasm-opt >/dev/null; then
  wasm-opt -O3 --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int "$TMP/function.wasm" -o "$TMP/function.wasm"
fi
mv -f "$TMP/function.wasm" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
