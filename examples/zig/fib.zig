// Fibonacci as a Zig WebAssembly guest: apply(i64) -> i64, no imports.
//
//   n = (x as u64) % 1000        (unsigned remainder of the bit pattern)
//   apply(x) = fib(n) modulo 2^64, fib(0) = 0, fib(1) = 1, returned as the same 64 bits
//   trap(x)  = x, but traps for x == 0: how a Zig guest fails, for the tests
//
// Build (see ../build.sh):
//   python3 -m ziglang build-exe fib.zig -target wasm32-freestanding -fno-entry -rdynamic \
//       -O ReleaseSmall -femit-bin=fib_zig.wasm

export fn apply(x: i64) i64 {
    const bits: u64 = @bitCast(x);
    const n: u64 = bits % 1000;
    var a: u64 = 0;
    var b: u64 = 1;
    var i: u64 = 0;
    while (i < n) : (i += 1) {
        const next = a +% b; // wrapping add
        a = b;
        b = next;
    }
    return @bitCast(a);
}

export fn trap(x: i64) i64 {
    if (x == 0) @trap();
    return x;
}
