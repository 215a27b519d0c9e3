#!/usr/bin/env bash
# Builds the upper-case bytes function in each SDK language (the README's examples) into
# OUT_DIR/upper_{c,rust,zig,as}.wasm, with the flags of examples/enrich/*/build.sh.
# Usage: build.sh OUT_DIR
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd -- "$HERE/../.." && pwd)"
TOOLS="$ROOT/examples/.tools"
mkdir -p "$1"
OUT="$(cd -- "$1" && pwd)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

clang-19 --target=wasm32 -ffreestanding -O2 -nostdlib -Wl,--no-entry -Wall -Wextra -Werror -I "$ROOT/sdk/c" \
  "$HERE/upper.c" -o "$OUT/upper_c.wasm"
wasm-opt -O3 --strip-debug --strip-producers --strip-target-features "$OUT/upper_c.wasm" -o "$OUT/upper_c.wasm"

RUSTC=${RUSTC:-/usr/bin/rustc}
COMMON=(--edition 2021 --target wasm32-unknown-unknown -C opt-level=3 -C panic=abort -D warnings --remap-path-prefix "$ROOT/=")
"$RUSTC" "${COMMON[@]}" --crate-type rlib --crate-name pulsar_wasm_guest \
  --cfg 'feature="global-allocator"' --cfg 'feature="panic-handler"' "$ROOT/sdk/rust/src/lib.rs" --out-dir "$TMP"
"$RUSTC" "${COMMON[@]}" --crate-type cdylib --crate-name upper_rust -C lto -C linker=wasm-ld-14 -C strip=symbols \
  --extern pulsar_wasm_guest="$TMP/libpulsar_wasm_guest.rlib" -L "$TMP" "$HERE/upper.rs" -o "$OUT/upper_rust.wasm"
wasm-opt -O3 --strip-debug --strip-producers --strip-target-features "$OUT/upper_rust.wasm" -o "$OUT/upper_rust.wasm"

zig() { PYTHONPATH="$TOOLS/ziglang-0.15.2${PYTHONPATH:+:$PYTHONPATH}" python3 -m ziglang "$@"; }
(cd "$HERE" && zig build-exe -fno-entry -rdynamic \
  -target wasm32-freestanding -mcpu generic -O ReleaseSmall --dep pulsar -Mroot=upper.zig \
  -target wasm32-freestanding -mcpu generic -O ReleaseSmall -Mpulsar="$ROOT/sdk/zig/pulsar.zig" \
  --cache-dir "$TOOLS/zig-cache" --global-cache-dir "$TOOLS/zig-cache" \
  --stack 65536 --name upper_zig -femit-bin="$OUT/upper_zig.wasm")
wasm-opt -O3 --strip-debug --strip-producers --enable-bulk-memory --enable-multivalue --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-sign-ext "$OUT/upper_zig.wasm" -o "$OUT/upper_zig.wasm"

"$ROOT/examples/assemblyscript/node_modules/.bin/asc" "$HERE/upper.ts" --outFile "$OUT/upper_as.wasm" \
  --optimizeLevel 3 --shrinkLevel 0 --runtime stub --use abort= --noAssert
wasm-opt -O3 --strip-debug --strip-producers --strip-target-features --enable-bulk-memory --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int "$OUT/upper_as.wasm" -o "$OUT/upper_as.wasm"

for lang in c rust zig as; do echo "$OUT/upper_$lang.wasm: $(stat -c %s "$OUT/upper_$lang.wasm") bytes"; done
