#!/usr/bin/env bash
# Builds the C SDK self-test guest and checks it with check_sdk.mjs (node).
# Usage: sdk/c/test/run.sh [OUT_DIR]     (default: a temporary directory)
set -euo pipefail
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
clang-19 --target=wasm32 -ffreestanding -nostdlib -O2 -Wall -Wextra -Werror \
  -I "$HERE/.." -Wl,--no-entry "$HERE/sdk_test.c" -o "$OUT/sdk_test_c.wasm"
node "$HERE/check_sdk.mjs" "$OUT/sdk_test_c.wasm"
