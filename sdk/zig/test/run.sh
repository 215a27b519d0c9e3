#!/usr/bin/env bash
# Builds the Zig SDK self-test guest and checks it with sdk/c/test/check_sdk.mjs (node).
# Usage: sdk/zig/test/run.sh [OUT_DIR]     (default: a temporary directory)
set -euo pipefail
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd -- "$HERE/../../.." && pwd)"
TOOLS="$ROOT/examples/.tools"
ZIG_DIR="$TOOLS/ziglang-0.15.2"
zig() { PYTHONPATH="$ZIG_DIR${PYTHONPATH:+:$PYTHONPATH}" python3 -m ziglang "$@"; }
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd -- "$OUT" && pwd)"
for mode in ReleaseSmall Debug; do # Debug: with Zig's safety checks (overflow, bounds)
  (cd "$HERE" && zig build-exe -fno-entry -rdynamic \
    -target wasm32-freestanding -mcpu generic -O $mode --dep pulsar -Mroot=sdk_test.zig \
    -target wasm32-freestanding -mcpu generic -O $mode -Mpulsar="$HERE/../pulsar.zig" \
    --cache-dir "$TOOLS/zig-cache" --global-cache-dir "$TOOLS/zig-cache" \
    --stack 65536 --name sdk_test -femit-bin="$OUT/sdk_test_zig_$mode.wasm")
  node "$ROOT/sdk/c/test/check_sdk.mjs" "$OUT/sdk_test_zig_$mode.wasm"
done
