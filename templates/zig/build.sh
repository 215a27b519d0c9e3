#!/usr/bin/env bash
# Builds function.zig into a WebAssembly module (ABI v1) for wasm32-freestanding, with the SDK
# (sdk/pulsar.zig) as the module "pulsar". Usage: ./build.sh OUT.wasm
# Tools: ZIG (default zig; Zig 0.15; may be a command with arguments, e.g. "python3 -m ziglang"),
# wasm-opt (optional). Zig's global cache: ZIG_CACHE_DIR (default ~/.cache/zig).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.wasm" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
read -r -a ZIG_CMD <<< "${ZIG:-zig}"
"${ZIG_CMD[@]}" version >/dev/null 2>&1 || {
  echo "$0: '${ZIG:-zig}' does not run: set ZIG to a Zig 0.15 (https://ziglang.org/download/," \
    "or pip install ziglang==0.15.2 and ZIG=\"python3 -m ziglang\")" >&2
  exit 1
}
mkdir -p -- "$(dirname -- "$1")"
OUT="$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# Module options (-target, -O) come before the -M they apply to. A 64 KiB stack: Zig's default
# (1 MiB) would be in the initial memory of every instance.
(cd "$TMP" && "${ZIG_CMD[@]}" build-exe -fno-entry -rdynamic \
  -target wasm32-freestanding -mcpu generic -O ReleaseSmall --dep pulsar -Mroot="$HERE/function.zig" \
  -target wasm32-freestanding -mcpu generic -O ReleaseSmall -Mpulsar="$HERE/sdk/pulsar.zig" \
  --cache-dir "$TMP/zig-cache" --global-cache-dir "${ZIG_CACHE_DIR:-$HOME/.cache/zig}" \
  --stack 65536 --name function -femit-bin="$TMP/function.wasm")
# Zig writes no target_features section: tell wasm-opt the features of Zig's "generic" CPU.
if command -v wasm-opt >/dev/null; then
  wasm-opt -O3 --strip-debug --strip-producers \
    --enable-bulk-memory --enable-multivalue --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext \
    "$TMP/function.wasm" -o "$TMP/function.wasm"
fi
mv -f "$TMP/function.wasm" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
