//! Safe wrappers of the `pulsar_v1` host functions.
//!
//! Names (config and state keys, counter and metric names, topics) are `impl AsRef<[u8]>`
//! (`&str`, `&[u8]`, [`Buf`]); they must be UTF-8, or the host answers `BAD_ARGUMENT`.

use crate::{sys, Buf, OutputRecord};

/// A negative status from the host (`docs/abi.md`); [`Error::code`] is the raw value. Any
/// negative value not listed here is an error too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Error(i32);

impl Error {
    /// No such config key, state key, or stored result.
    pub const NOT_FOUND: Error = Error(sys::NOT_FOUND);
    /// A name that is not UTF-8, an unknown log level, a malformed envelope.
    pub const BAD_ARGUMENT: Error = Error(sys::BAD_ARGUMENT);
    /// The capability (state, or publishing to that topic) is not granted.
    pub const NOT_PERMITTED: Error = Error(sys::NOT_PERMITTED);
    /// No such service here (no state store, or a call outside `pulsar_process`).
    pub const UNAVAILABLE: Error = Error(sys::UNAVAILABLE);
    /// The Java side failed (the host logged why).
    pub const HOST_ERROR: Error = Error(sys::HOST_ERROR);
    /// The record's effects exceed their cap.
    pub const TOO_LARGE: Error = Error(sys::TOO_LARGE);

    /// The error for a raw status, `None` when it is not negative.
    pub const fn from_status(status: i32) -> Option<Error> {
        if status < 0 {
            Some(Error(status))
        } else {
            None
        }
    }

    /// The raw status (negative).
    pub const fn code(self) -> i32 {
        self.0
    }

    /// Whether it is `NOT_FOUND`.
    pub const fn is_not_found(self) -> bool {
        self.0 == sys::NOT_FOUND
    }

    /// The status's name (`"NOT_FOUND"`, ...), `"UNKNOWN"` for a code this SDK does not know.
    pub const fn name(self) -> &'static str {
        match self.0 {
            sys::NOT_FOUND => "NOT_FOUND",
            sys::BAD_ARGUMENT => "BAD_ARGUMENT",
            sys::NOT_PERMITTED => "NOT_PERMITTED",
            sys::UNAVAILABLE => "UNAVAILABLE",
            sys::HOST_ERROR => "HOST_ERROR",
            sys::TOO_LARGE => "TOO_LARGE",
            _ => "UNKNOWN",
        }
    }
}

#[inline]
fn check(status: i32) -> Result<u32, Error> {
    if status < 0 {
        Err(Error(status))
    } else {
        Ok(status as u32)
    }
}

/// Log levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(i32)]
pub enum Level {
    /// 0
    Trace = 0,
    /// 1
    Debug = 1,
    /// 2
    Info = 2,
    /// 3
    Warn = 3,
    /// 4
    Error = 4,
}

/// Logs a line for the function's logger (invalid UTF-8 is replaced; lines over 8 KiB are
/// cut). Failures (`TOO_LARGE` when the record's effects are full) are ignored: use
/// [`sys::log`] to see them.
#[inline]
pub fn log(level: Level, message: impl AsRef<[u8]>) {
    let m = message.as_ref();
    // SAFETY: a valid slice.
    unsafe { sys::log(level as i32, m.as_ptr(), m.len()) };
}

/// Records a metric value. Failures are ignored, as for [`log`].
#[inline]
pub fn metric(name: impl AsRef<[u8]>, value: f64) {
    let n = name.as_ref();
    // SAFETY: a valid slice.
    unsafe { sys::metric(n.as_ptr(), n.len(), value) };
}

/// The out-buffer convention: calls `call(buf, cap)` with `out`'s spare room; when the host
/// reports a larger value (`n > cap`), grows `out` and fetches the value with `result_get`.
/// On success `out` holds exactly the value (its previous content is discarded). For custom
/// imports of that shape (see [`pulsar_user!`](crate::pulsar_user)).
pub fn out_buffer(out: &mut Buf, call: impl FnOnce(*mut u8, usize) -> i32) -> Result<(), Error> {
    out.clear();
    if out.capacity() < 64 {
        out.reserve(64);
    }
    let cap = out.capacity();
    let n = check(call(out.as_mut_ptr(), cap))? as usize;
    if n > cap {
        out.reserve(n);
        // SAFETY: (ptr, capacity) is our own spare room.
        let m = check(unsafe { sys::result_get(out.as_mut_ptr(), out.capacity()) })? as usize;
        if m > out.capacity() {
            return Err(Error::HOST_ERROR); // the value changed size: not per the ABI
        }
        // SAFETY: the host wrote m bytes.
        unsafe { out.set_len(m) };
    } else {
        // SAFETY: the host wrote n <= cap bytes.
        unsafe { out.set_len(n) };
    }
    Ok(())
}

/// The function's user config value for `key` (strings as they are, other values as JSON);
/// `Err(Error::NOT_FOUND)` when there is none.
pub fn config_get(key: impl AsRef<[u8]>) -> Result<Buf, Error> {
    let mut out = Buf::new();
    config_get_into(key, &mut out)?;
    Ok(out)
}

/// [`config_get`] into a buffer the caller reuses (no allocation once it is large enough).
pub fn config_get_into(key: impl AsRef<[u8]>, out: &mut Buf) -> Result<(), Error> {
    let k = key.as_ref();
    // SAFETY: valid slices; (buf, cap) is out's spare room.
    out_buffer(out, |buf, cap| unsafe { sys::config_get(k.as_ptr(), k.len(), buf, cap) })
}

/// A state value (this record's own puts and deletes included); `Err(Error::NOT_FOUND)` when
/// there is none. Capability `state`.
pub fn state_get(key: impl AsRef<[u8]>) -> Result<Buf, Error> {
    let mut out = Buf::new();
    state_get_into(key, &mut out)?;
    Ok(out)
}

/// [`state_get`] into a buffer the caller reuses.
pub fn state_get_into(key: impl AsRef<[u8]>, out: &mut Buf) -> Result<(), Error> {
    let k = key.as_ref();
    // SAFETY: as for config_get_into.
    out_buffer(out, |buf, cap| unsafe { sys::state_get(k.as_ptr(), k.len(), buf, cap) })
}

/// Sets a state value. Capability `state`.
pub fn state_put(key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), Error> {
    let (k, v) = (key.as_ref(), value.as_ref());
    // SAFETY: valid slices.
    check(unsafe { sys::state_put(k.as_ptr(), k.len(), v.as_ptr(), v.len()) }).map(drop)
}

/// Deletes a state value. Capability `state`.
pub fn state_delete(key: impl AsRef<[u8]>) -> Result<(), Error> {
    let k = key.as_ref();
    // SAFETY: a valid slice.
    check(unsafe { sys::state_delete(k.as_ptr(), k.len()) }).map(drop)
}

/// Adds `delta` to a counter. Capability `state`.
pub fn counter_incr(key: impl AsRef<[u8]>, delta: i64) -> Result<(), Error> {
    let k = key.as_ref();
    // SAFETY: a valid slice.
    check(unsafe { sys::counter_incr(k.as_ptr(), k.len(), delta) }).map(drop)
}

/// A counter's value, this record's own increments included. Capability `state`.
pub fn counter_get(key: impl AsRef<[u8]>) -> Result<i64, Error> {
    let k = key.as_ref();
    let mut value = [0u8; 8];
    // SAFETY: a valid slice; 8 writable bytes at out.
    check(unsafe { sys::counter_get(k.as_ptr(), k.len(), value.as_mut_ptr()) })?;
    Ok(i64::from_le_bytes(value))
}

/// Publishes `value` to `topic` (`name`, `tenant/ns/name` or a full URL). Capability
/// `publish` for that topic. Sent when the record succeeds.
pub fn publish(topic: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), Error> {
    let (t, v) = (topic.as_ref(), value.as_ref());
    // SAFETY: valid slices.
    check(unsafe { sys::publish(t.as_ptr(), t.len(), v.as_ptr(), v.len(), 0) }).map(drop)
}

/// Publishes a record (value, key, properties, event time; a destination set on it is not
/// used: the topic is `topic`) to `topic`. Capability `publish` for that topic.
pub fn publish_record(topic: impl AsRef<[u8]>, record: &OutputRecord) -> Result<(), Error> {
    let t = topic.as_ref();
    crate::__rt::with_scratch(|scratch| {
        record.encode_into(scratch);
        // SAFETY: valid slices.
        check(unsafe {
            sys::publish(t.as_ptr(), t.len(), scratch.as_ptr(), scratch.len(), sys::PUBLISH_RECORD)
        })
        .map(drop)
    })
}
