#!/usr/bin/env bash
# Builds every example guest (C, Rust, AssemblyScript, Zig, WAT), and the SDK examples
# (enrich/, with the SDKs of sdk/), into examples/out/,
# installing the toolchains first when they are missing, then checks each module:
#   - wasm-objdump: exports `apply` with the expected type, and has no imports
#     (except the imports.wasm error guest, which must have exactly one);
#   - check.mjs (node): runs every module against a reference implementation.
#
# Usage: examples/build.sh            (from any directory; idempotent, quick on a re-run)
# Environment:
#   SKIP_INSTALL=1   never install anything (fail if a tool is missing)
#   SKIP_CHECK=1     do not run check.mjs
#
# Toolchains (Debian 12 bookworm; apt only runs when a tool is missing):
#   C:              clang-19, lld-19 (wasm-ld), wasi-libc                      [apt]
#   C++ (WASI):     libc++-19-dev-wasm32, libc++abi-19-dev-wasm32,
#                   libclang-rt-19-dev-wasm32                                  [apt]
#   Go (WASI):      the machine's Go, 1.24 or later (-buildmode=c-shared with
#                   //go:wasmexport); never downloaded (GOTOOLCHAIN=local)
#   Rust:           Debian's rustc 1.63 + libstd-rust-dev-wasm32, lld-14      [apt]
#                   (rustup's toolchain cannot add wasm targets here: /usr/bin/rustc is used)
#   AssemblyScript: assemblyscript, pinned in assemblyscript/package-lock.json [npm ci]
#   Zig:            ziglang from PyPI, pinned below, into examples/.tools/     [pip]
#   WAT / checks:   wabt (wat2wasm, wasm-objdump), binaryen (wasm-opt)        [apt]
set -euo pipefail

HERE="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/out"
TOOLS="$HERE/.tools"
ZIG_VERSION="0.15.2"
ZIG_DIR="$TOOLS/ziglang-$ZIG_VERSION"

RUSTC=/usr/bin/rustc          # Debian's, not rustup's (~/.cargo/bin comes first in PATH)
RUST_WASM_STD=/usr/lib/rustlib/wasm32-unknown-unknown
WASI_LIBC=/usr/lib/wasm32-wasi/libc.a   # Debian puts the wasi-libc sysroot in multiarch paths

START=$SECONDS
log() { printf '==> [%3ds] %s\n' "$((SECONDS - START))" "$*" >&2; }
die() { printf 'build.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------- toolchains
apt_missing=()
need() { # need <package> <test...>: queue the apt package when the test fails
  local pkg=$1; shift
  "$@" >/dev/null 2>&1 || apt_missing+=("$pkg")
}
need clang-19               command -v clang-19
need lld-19                 command -v wasm-ld-19
need wasi-libc              test -f "$WASI_LIBC"
need libc++-19-dev-wasm32   test -f /usr/lib/wasm32-wasi/libc++.a
need libc++abi-19-dev-wasm32 test -f /usr/lib/wasm32-wasi/libc++abi.a
need libclang-rt-19-dev-wasm32 test -f /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a
need rustc                  test -x "$RUSTC"
need libstd-rust-dev-wasm32 test -d "$RUST_WASM_STD"
need lld-14                 command -v wasm-ld-14
need wabt                   command -v wat2wasm
need binaryen               command -v wasm-opt
need nodejs                 command -v node
need npm                    command -v npm
need python3                command -v python3
need python3-pip            python3 -m pip --version
need iproute2               command -v ip    # scripts/distribution-test.sh: loopback in its network namespace

if ((${#apt_missing[@]})); then
  [[ -z ${SKIP_INSTALL:-} ]] || die "missing tools, and SKIP_INSTALL is set: ${apt_missing[*]}"
  log "apt-get install ${apt_missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi

# Go: the machine's own, 1.24 or later (wasmexport and c-shared reactors came in 1.24).
command -v go >/dev/null || die "Go 1.24 or later is needed for the Go guest (examples/wasi/go), and no go is on PATH"
go_minor=$(GOTOOLCHAIN=local go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
[[ $go_minor =~ ^[0-9]+$ && $go_minor -ge 24 ]] || die "Go 1.24 or later is needed for the Go guest; found $(go version)"

# AssemblyScript: npm ci, unless node_modules already matches package-lock.json.
AS_DIR="$HERE/assemblyscript"
if [[ ! -f "$AS_DIR/node_modules/.package-lock.json" ||
      "$AS_DIR/package-lock.json" -nt "$AS_DIR/node_modules/.package-lock.json" ]]; then
  [[ -z ${SKIP_INSTALL:-} ]] || die "assemblyscript/node_modules is missing, and SKIP_INSTALL is set"
  log "npm ci (assemblyscript)"
  (cd "$AS_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# Zig: the ziglang wheel from PyPI, into a private folder (no PEP 668 trouble, no sudo).
if [[ ! -f "$ZIG_DIR/ziglang/__main__.py" ]]; then
  [[ -z ${SKIP_INSTALL:-} ]] || die "ziglang $ZIG_VERSION is missing, and SKIP_INSTALL is set"
  log "pip install ziglang==$ZIG_VERSION (into ${ZIG_DIR#"$HERE"/})"
  rm -rf "$ZIG_DIR"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
    --no-warn-script-location --target "$ZIG_DIR" "ziglang==$ZIG_VERSION"
fi
zig() { PYTHONPATH="$ZIG_DIR${PYTHONPATH:+:$PYTHONPATH}" python3 -m ziglang "$@"; }

# --------------------------------------------------------------------------- build
mkdir -p "$OUT"

# Post-optimizes a module compiled from a high-level language (not the WAT guests, which
# are exact by design) and drops custom sections (names, producers, features) that only
# add size.
opt() { wasm-opt -O3 --strip-debug --strip-producers --strip-target-features "$1" -o "$1"; }

log "C: collatz_c.wasm"
clang-19 --target=wasm32 -ffreestanding -O2 -nostdlib -Wl,--no-entry -Wl,--export=apply -Wl,--export=trap \
  -Wall -Wextra -Werror "$HERE/c/collatz.c" -o "$OUT/collatz_c.wasm"
opt "$OUT/collatz_c.wasm"

log "Rust: hash_rust.wasm"
"$RUSTC" --edition 2021 --crate-name hash_rust --crate-type cdylib \
  --target wasm32-unknown-unknown -C opt-level=3 -C panic=abort -C linker=wasm-ld-14 \
  -C strip=symbols -D warnings "$HERE/rust/src/lib.rs" -o "$OUT/hash_rust.wasm"
opt "$OUT/hash_rust.wasm"

log "AssemblyScript: isqrt_as.wasm"
(cd "$AS_DIR" && ./node_modules/.bin/asc assembly/index.ts --outFile "$OUT/isqrt_as.wasm" \
  --optimizeLevel 3 --shrinkLevel 0 --runtime stub --use abort= --noAssert)

log "Zig $ZIG_VERSION: fib_zig.wasm"
(cd "$HERE/zig" && zig build-exe fib.zig -target wasm32-freestanding -fno-entry -rdynamic \
  -O ReleaseSmall --cache-dir "$TOOLS/zig-cache" --global-cache-dir "$TOOLS/zig-cache" \
  -femit-bin="$OUT/fib_zig.wasm")
opt "$OUT/fib_zig.wasm"

log "SDK examples (upper): C, Rust, Zig, AssemblyScript"
"$HERE/upper/build.sh" "$OUT" >&2

log "SDK examples (enrich): C, Rust, AssemblyScript, Zig"
for lang in c rust assemblyscript zig; do
  "$HERE/enrich/$lang/build.sh" "$OUT" >&2
done

log "WASI examples (wordstats): C, C++, Go, Rust std; wasi_probe"
"$HERE/wasi/build.sh" "$OUT" >&2

log "WAT: wat2wasm"
for name in mix plus1 noop trap loop membomb imports wrongsig flaky; do
  case $name in
    mix) target=mix_wat.wasm ;;
    *)   target=$name.wasm ;;
  esac
  wat2wasm "$HERE/wat/$name.wat" -o "$OUT/$target"
done

# --------------------------------------------------------------------------- verify
# verify <file> <expected type of apply> <expected number of imports>
verify() {
  local file=$1 want_sig=$2 want_imports=$3 dump func sig type imports
  dump=$(wasm-objdump -x "$file") || die "$file: wasm-objdump failed"
  func=$(sed -nE 's/^ - func\[([0-9]+)\] .* -> "apply"$/\1/p' <<<"$dump")
  [[ -n $func ]] || die "$(basename "$file"): does not export a function named apply"
  sig=$(sed -nE "s/^ - func\[$func\] sig=([0-9]+).*/\1/p" <<<"$dump" | head -n1)
  type=$(sed -nE "s/^ - type\[$sig\] (.*)$/\1/p" <<<"$dump")
  [[ $type == "$want_sig" ]] ||
    die "$(basename "$file"): apply has type '$type', expected '$want_sig'"
  imports=$(grep -cE '^ - .* <- ' <<<"$dump" || true)
  if [[ $imports != "$want_imports" ]]; then
    grep -E '^ - .* <- ' <<<"$dump" >&2 || true
    die "$(basename "$file"): has $imports import(s), expected $want_imports"
  fi
  printf '%-16s %6d bytes  apply: %-12s imports: %d\n' \
    "$(basename "$file")" "$(stat -c %s "$file")" "$type" "$imports"
}

log "verifying modules (wasm-objdump -x)"
for f in collatz_c hash_rust isqrt_as fib_zig mix_wat plus1 noop trap loop membomb; do
  verify "$OUT/$f.wasm" "(i64) -> i64" 0
done
verify "$OUT/imports.wasm"  "(i64) -> i64" 1
verify "$OUT/wrongsig.wasm" "(i32) -> i32" 0

if [[ -z ${SKIP_CHECK:-} ]]; then
  log "checking results against the reference implementations (check.mjs)"
  node "$HERE/check.mjs" "$OUT"
  log "checking the SDK examples against the reference, under a mock host (check_enrich.mjs)"
  for pair in c:c rust:rust as:assemblyscript zig:zig; do
    node "$HERE/check_enrich.mjs" "$OUT/enrich_${pair%%:*}.wasm" "${pair#*:}" | tail -n 1
  done
  log "SDK self-tests (every C and Zig SDK call under the mock host)"
  "$HERE/../sdk/c/test/run.sh" | tail -n 1
  "$HERE/../sdk/zig/test/run.sh" | tail -n 2
fi

log "done in $((SECONDS - START)) s: modules in $OUT"
