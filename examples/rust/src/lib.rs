//! splitmix64 finalizer as a WebAssembly guest: `apply(i64) -> i64`, no imports.
//!
//! ```text
//! z = x + 0x9E3779B97F4A7C15
//! z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9
//! z = (z ^ (z >>> 27)) * 0x94D049BB133111EB
//! return z ^ (z >>> 31)
//! ```
//! (logical shifts, wrapping 64-bit arithmetic). `trap(x)` returns `x` and panics (a trap)
//! for `x == 0`.
//!
//! `no_std` keeps the module tiny and free of imports. Builds with Debian's rustc 1.63
//! (`libstd-rust-dev-wasm32`, linked by `wasm-ld-14`); see ../README.md.
#![no_std]

#[no_mangle]
pub extern "C" fn apply(x: i64) -> i64 {
    let mut z = (x as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as i64
}

/// `x`, but panics for `x == 0` (an index out of bounds): how a Rust guest fails, for the tests.
#[no_mangle]
pub extern "C" fn trap(x: i64) -> i64 {
    let table = [x];
    table[(x == 0) as usize]
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // Without imports there is nowhere to report a panic: trap.
    core::arch::wasm32::unreachable()
}
