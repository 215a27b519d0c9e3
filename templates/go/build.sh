#!/usr/bin/env bash
# Builds this Go module (function.go) into a WebAssembly module (ABI v1): a WASI preview 1
# reactor (-buildmode=c-shared). Usage: ./build.sh OUT.wasm
# Tools: GO (default go), Go 1.24 or later (//go:wasmexport).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 OUT.wasm" >&2; exit 2; }
HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
GO="${GO:-go}"
command -v "$GO" >/dev/null || {
  echo "$0: $GO not found: set GO to a Go 1.24 or later (https://go.dev/dl/)" >&2
  exit 1
}
mkdir -p -- "$(dirname -- "$1")"
OUT="$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# GOTOOLCHAIN=local: never download another Go. Go's build cache is its usual one.
(cd "$HERE" && GOTOOLCHAIN=local GOFLAGS=-mod=mod GOOS=wasip1 GOARCH=wasm \
  "$GO" build -buildmode=c-shared -trimpath -o "$TMP/function.wasm" .)
# No wasm-opt: it gains little (about 3%) on Go's output.
mv -f "$TMP/function.wasm" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes"
