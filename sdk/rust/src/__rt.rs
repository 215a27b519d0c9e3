//! Glue for the export macros; not a stable API.

use crate::output::Repr;
use crate::{Buf, Global, Heap, Output, Record};

/// The bytes of the last value or error output, kept until the next one replaces them (the
/// host copies them before it calls the guest again).
static KEEP: Global<Buf> = Global::new(Buf::new());
/// The encoded last output record; reused, so it stops growing at the largest output.
static OUT: Global<Buf> = Global::new(Buf::new());
/// For `publish_record`'s envelope.
static SCRATCH: Global<Buf> = Global::new(Buf::new());

const RECORD: u64 = 1 << 62;
const FAILED: u64 = 1 << 63;
const MAX_LEN: usize = 0x3FFF_FFFF;

static TOO_LARGE: &[u8] = b"output larger than 1 GiB";
static MALFORMED: &[u8] = b"malformed input record envelope";

/// `pulsar_alloc`: the SDK heap; null (0) when memory is exhausted.
pub fn alloc(size: usize) -> *mut u8 {
    Heap::allocate(size, 16)
}

/// `pulsar_free`.
///
/// # Safety
/// `(ptr, size)` came from `alloc`.
pub unsafe fn free(ptr: *mut u8, size: usize) {
    Heap::deallocate(ptr, size, 16)
}

/// The input as a slice.
///
/// # Safety
/// `(ptr, len)` is the host's input, valid during this call.
pub unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        core::slice::from_raw_parts(ptr, len)
    }
}

/// `pulsar_process` for `bytes_function!`.
///
/// # Safety
/// As for [`input`].
pub unsafe fn process_bytes(ptr: *const u8, len: usize, f: impl FnOnce(&[u8]) -> Output) -> i64 {
    finish(f(input(ptr, len)))
}

/// `pulsar_process` for `record_function!`.
///
/// # Safety
/// As for [`input`].
pub unsafe fn process_record(ptr: *const u8, len: usize, f: impl FnOnce(Record<'_>) -> Output) -> i64 {
    match Record::parse(input(ptr, len)) {
        Ok(record) => finish(f(record)),
        Err(_) => encode(MALFORMED.as_ptr(), MALFORMED.len(), FAILED),
    }
}

fn encode(ptr: *const u8, len: usize, bits: u64) -> i64 {
    if len > MAX_LEN {
        return encode(TOO_LARGE.as_ptr(), TOO_LARGE.len(), FAILED);
    }
    (bits | (len as u64) << 32 | ptr as usize as u64) as i64
}

/// Keeps `output`'s bytes alive and returns the ABI's `i64` for it.
pub fn finish(output: Output) -> i64 {
    // SAFETY: single-threaded, and nobody else holds a reference into these statics.
    unsafe {
        match output.0 {
            Repr::None => 0,
            Repr::Value(buf) => {
                let keep = &mut *KEEP.get();
                *keep = buf; // the previous output is dropped (its block is reused)
                encode(keep.as_ptr(), keep.len(), 0)
            }
            Repr::Error(buf) => {
                let keep = &mut *KEEP.get();
                *keep = buf;
                encode(keep.as_ptr(), keep.len(), FAILED)
            }
            Repr::Record(record) => {
                let out = &mut *OUT.get();
                record.encode_into(out);
                encode(out.as_ptr(), out.len(), RECORD)
            }
        }
    }
}

/// Runs `f` with the SDK's scratch buffer (not re-entrant).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Buf) -> R) -> R {
    // SAFETY: single-threaded; callers do not nest.
    f(unsafe { &mut *SCRATCH.get() })
}
