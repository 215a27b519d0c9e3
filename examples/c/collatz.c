// Collatz step counter as a freestanding WebAssembly guest (no libc, no imports).
//
//   apply(x) = number of Collatz steps from x down to 1, for x >= 1
//              (n even: n / 2, n odd: 3n + 1, wrapping unsigned 64-bit arithmetic,
//               at most 10000 steps: a run that has not reached 1 by then returns 10000)
//   apply(x) = 0 for x <= 0
//   trap(x)  = x, but traps (unreachable) for x == 0: how a C guest fails, for the tests
//
// Build (see ../build.sh):
//   clang-19 --target=wasm32 -ffreestanding -O2 -nostdlib -Wl,--no-entry -Wl,--export=apply \
//            -Wl,--export=trap collatz.c -o collatz_c.wasm

#include <stdint.h>  // clang's own freestanding header: no libc needed

#define MAX_STEPS 10000

__attribute__((export_name("apply")))
int64_t apply(int64_t x) {
    if (x <= 0) {
        return 0;
    }
    uint64_t n = (uint64_t)x;
    int64_t steps = 0;
    while (n != 1 && steps < MAX_STEPS) {
        n = (n & 1) ? 3 * n + 1 : n >> 1;  // unsigned: wraps modulo 2^64
        steps++;
    }
    return steps;
}

__attribute__((export_name("trap")))
int64_t trap(int64_t x) {
    if (x == 0) {
        __builtin_trap();
    }
    return x;
}
