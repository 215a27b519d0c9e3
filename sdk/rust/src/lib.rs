//! Guest SDK for pulsar-wasm, ABI v1 (`docs/abi.md`): Apache Pulsar Functions written in Rust
//! and compiled to `wasm32-unknown-unknown`.
//!
//! ```ignore
//! #![no_std]
//! use pulsar_wasm_guest::{self as pulsar, Buf, Level, Output, OutputRecord, Record};
//!
//! pulsar::pulsar_user! { fn score(i64) -> i64; }   // a Java host function
//!
//! pulsar::record_function!(|rec: Record| -> Output {
//!     if rec.property("skip").is_some() {
//!         return Output::none();                       // filtered
//!     }
//!     let mut v = Buf::from_slice(rec.value());
//!     v.push_str(" seen");
//!     pulsar::log(Level::Info, "one more");
//!     let _ = pulsar::counter_incr("seen", 1);
//!     Output::record(OutputRecord::from_buf(v).maybe_key(rec.key()).property("by", "rust"))
//! });
//! ```
//!
//! or, for a function of the bare value, `bytes_function!(|input: &[u8]| -> Output { .. })`.
//!
//! # What is in here
//!
//! * [`bytes_function!`] / [`record_function!`]: define every export of a v1 guest
//!   (`pulsar_abi_version_1`, `pulsar_alloc`, `pulsar_free`, `pulsar_process`, and
//!   `pulsar_wants_record` for the record form) around one function returning [`Output`].
//!   [`export_abi!`] defines only the first three, for a hand-written `pulsar_process`.
//! * [`Record`]: a zero-copy reader of the input envelope (value, key, flags, times, redelivery
//!   count, topic, message id, properties).
//! * [`Output`]: none (filtered), a value, an error message, or an [`OutputRecord`] (key,
//!   properties, event time, destination topic). The SDK keeps the encoded bytes alive until
//!   the next entry, as the ABI requires.
//! * Host calls of `pulsar_v1`, with the out-buffer convention (`n > cap`, then `result_get`)
//!   handled: [`log`], [`config_get`], [`state_get`], [`state_put`], [`state_delete`],
//!   [`counter_incr`], [`counter_get`], [`metric`], [`publish`], [`publish_record`]. Negative
//!   statuses become [`Error`]. The raw imports are in [`sys`].
//! * [`pulsar_user!`]: imports Java host functions (`long`, `long2` and `bytes` shapes).
//! * [`Buf`]: a growable byte buffer on the SDK's [`Heap`] (usable without `alloc`).
//!
//! # Memory
//!
//! [`Heap`] is a small size-class allocator over `memory.grow`: freed blocks are reused by the
//! next allocation of the same power-of-two class, so a guest that allocates per record keeps
//! a flat footprint. `pulsar_alloc`/`pulsar_free` use it, and with the default feature
//! `global-allocator` it is also the `#[global_allocator]`.
//!
//! # Features
//!
//! `global-allocator` and `panic-handler` (default), `alloc`, `std`: see `Cargo.toml`. Without
//! cargo, pass them to rustc as `--cfg 'feature="global-allocator"'` and so on.
//!
//! A panic logs `panic at <file>:<line>:<col>` (level 4) and traps, with `-C panic=abort`
//! (`std`'s handler traps as well, without the log line). A trapped record leaves no state,
//! counter or publish effects behind, and the host discards the instance.
#![no_std]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod sys;

mod buf;
mod heap;
mod host;
mod macros;
mod output;
mod record;

#[doc(hidden)]
pub mod __rt;

pub use buf::Buf;
pub use heap::Heap;
pub use host::{
    config_get, config_get_into, counter_get, counter_incr, log, metric, out_buffer, publish,
    publish_record, state_delete, state_get, state_get_into, state_put, Error, Level,
};
pub use output::{Output, OutputRecord};
pub use record::{Properties, Record};

#[cfg(feature = "global-allocator")]
#[global_allocator]
static GLOBAL: Heap = Heap;

/// The guest's single thread owns all mutable state: wasm32-unknown-unknown has no threads
/// (the host runs one instance per calling thread).
pub(crate) struct Global<T>(core::cell::UnsafeCell<T>);

// SAFETY: single-threaded target (see above); never shared across instances.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    pub(crate) const fn new(value: T) -> Self {
        Global(core::cell::UnsafeCell::new(value))
    }

    pub(crate) fn get(&self) -> *mut T {
        self.0.get()
    }
}

#[cfg(all(
    feature = "panic-handler",
    not(feature = "std"),
    not(test),
    target_arch = "wasm32"
))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // No formatting machinery (it would add kilobytes): "panic at file:line:col" by hand, in a
    // stack buffer, so that a panic inside the allocator still gets its line.
    let mut line = [0u8; 256];
    let mut n = 0;
    let mut put = |bytes: &[u8]| {
        let k = bytes.len().min(line.len() - n);
        line[n..n + k].copy_from_slice(&bytes[..k]);
        n += k;
    };
    put(b"panic");
    if let Some(loc) = info.location() {
        put(b" at ");
        put(loc.file().as_bytes());
        for number in [loc.line(), loc.column()] {
            let mut digits = [0u8; 10];
            let mut i = digits.len();
            let mut v = number;
            loop {
                i -= 1;
                digits[i] = b'0' + (v % 10) as u8;
                v /= 10;
                if v == 0 {
                    break;
                }
            }
            put(b":");
            put(&digits[i..]);
        }
    }
    // SAFETY: (ptr, len) lies inside `line`.
    unsafe { sys::log(4, line.as_ptr(), n) };
    core::arch::wasm32::unreachable()
}

/// Traps: what the SDK does when memory runs out (a trap fails the record; the host
/// discards the instance).
#[cold]
pub(crate) fn out_of_memory() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    panic!("out of memory");
}
