#!/usr/bin/env bash
# Builds examples/enrich/assemblyscript/enrich.ts with the AssemblyScript SDK
# (sdk/assemblyscript/pulsar.ts) into OUT_DIR/enrich_as.wasm.
# Usage: build.sh OUT_DIR
# Uses the project's pinned asc (examples/assemblyscript/node_modules; `npm ci` there first,
# as examples/build.sh does), then wasm-opt.
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ASC="$HERE/../../assemblyscript/node_modules/.bin/asc"
[[ -x $ASC ]] || { echo "$0: $ASC is missing (run npm ci in examples/assemblyscript)" >&2; exit 1; }
mkdir -p "$1"
OUT="$(cd -- "$1" && pwd)/enrich_as.wasm"

"$ASC" "$HERE/enrich.ts" --outFile "$OUT" \
  --optimizeLevel 3 --shrinkLevel 0 --runtime stub --use abort= --noAssert

# asc emits the features it enables by default (bulk memory, sign extension, mutable globals,
# non-trapping float-to-int) without a target_features section: tell wasm-opt about them.
wasm-opt -O3 --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
  "$OUT" -o "$OUT"
