//! The raw imports of module `pulsar_v1` and the status codes, exactly as in `docs/abi.md`.
//!
//! Pointers and lengths are wasm `i32`s (`usize` on wasm32). A `(ptr, len)` outside the
//! guest's memory traps. Prefer the safe wrappers at the crate root.
//!
//! The symbol names are the import names; a guest must not define or import another function
//! with one of these names (for example `log` from a C math library).

/// No such config key, state key, or stored result.
pub const NOT_FOUND: i32 = -1;
/// A name that is not UTF-8, an unknown log level, a malformed envelope.
pub const BAD_ARGUMENT: i32 = -2;
/// The capability is not granted (state, or publishing to that topic).
pub const NOT_PERMITTED: i32 = -3;
/// No such service here (no state store, or a call outside `pulsar_process`).
pub const UNAVAILABLE: i32 = -4;
/// The Java side failed.
pub const HOST_ERROR: i32 = -5;
/// The record's effects exceed their cap.
pub const TOO_LARGE: i32 = -6;

/// `publish` flag: the bytes are an output record envelope.
pub const PUBLISH_RECORD: i32 = 1;

#[link(wasm_import_module = "pulsar_v1")]
extern "C" {
    /// `(level, ptr, len) -> status`: a line for the function's logger (0 trace .. 4 error).
    pub fn log(level: i32, ptr: *const u8, len: usize) -> i32;
    /// `(kptr, klen, buf, cap) -> n`: a user config value; out-buffer convention.
    pub fn config_get(kptr: *const u8, klen: usize, buf: *mut u8, cap: usize) -> i32;
    /// `(kptr, klen, buf, cap) -> n`: a state value; out-buffer convention.
    pub fn state_get(kptr: *const u8, klen: usize, buf: *mut u8, cap: usize) -> i32;
    /// `(kptr, klen, vptr, vlen) -> status`: sets a state value.
    pub fn state_put(kptr: *const u8, klen: usize, vptr: *const u8, vlen: usize) -> i32;
    /// `(kptr, klen) -> status`: deletes a state value.
    pub fn state_delete(kptr: *const u8, klen: usize) -> i32;
    /// `(kptr, klen, delta) -> status`: adds to a counter.
    pub fn counter_incr(kptr: *const u8, klen: usize, delta: i64) -> i32;
    /// `(kptr, klen, out) -> status`: writes the counter's value (i64, LE) at `out`.
    pub fn counter_get(kptr: *const u8, klen: usize, out: *mut u8) -> i32;
    /// `(nptr, nlen, value) -> status`: records a metric value.
    pub fn metric(nptr: *const u8, nlen: usize, value: f64) -> i32;
    /// `(tptr, tlen, ptr, len, flags) -> status`: publishes bytes, or an output record
    /// envelope when `flags & PUBLISH_RECORD`.
    pub fn publish(tptr: *const u8, tlen: usize, ptr: *const u8, len: usize, flags: i32) -> i32;
    /// `(buf, cap) -> n`: the value the previous host call reported as larger than its buffer.
    pub fn result_get(buf: *mut u8, cap: usize) -> i32;
}
