#!/usr/bin/env bash
# Builds the Zig enrich guest: OUT_DIR/enrich_zig.wasm (Zig 0.15.2 from examples/.tools, as
# installed by examples/build.sh, then wasm-opt).
# Usage: examples/enrich/zig/build.sh OUT_DIR
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd -- "$HERE/../../.." && pwd)"
TOOLS="$ROOT/examples/.tools"
ZIG_DIR="$TOOLS/ziglang-0.15.2"
[[ -f "$ZIG_DIR/ziglang/__main__.py" ]] ||
  { echo "$0: Zig 0.15.2 is missing in $ZIG_DIR (examples/build.sh installs it)" >&2; exit 1; }
zig() { PYTHONPATH="$ZIG_DIR${PYTHONPATH:+:$PYTHONPATH}" python3 -m ziglang "$@"; }
mkdir -p "$1"
OUT="$(cd -- "$1" && pwd)/enrich_zig.wasm"

# The SDK is its own module (Zig does not import files outside the root module's directory).
# Module options (-target, -O) come before the -M they apply to. A 64 KiB stack (Zig's default
# is 1 MiB, all of it in the initial memory of every instance).
(cd "$HERE" && zig build-exe -fno-entry -rdynamic \
  -target wasm32-freestanding -mcpu generic -O ReleaseSmall --dep pulsar -Mroot=enrich.zig \
  -target wasm32-freestanding -mcpu generic -O ReleaseSmall -Mpulsar="$ROOT/sdk/zig/pulsar.zig" \
  --cache-dir "$TOOLS/zig-cache" --global-cache-dir "$TOOLS/zig-cache" \
  --stack 65536 --name enrich_zig -femit-bin="$OUT")
# Zig writes no target_features section: tell wasm-opt the features of Zig's "generic" CPU
# (bulk memory: @memcpy becomes memory.copy).
wasm-opt -O3 --strip-debug --strip-producers \
  --enable-bulk-memory --enable-multivalue --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext \
  "$OUT" -o "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
