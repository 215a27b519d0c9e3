//! [`Buf`]: a growable byte buffer on the SDK's [`Heap`](crate::Heap), usable without `alloc`.

use core::ops::{Deref, DerefMut};

use crate::heap::Heap;

const ALIGN: usize = 16;

/// A growable byte buffer on the SDK's heap (a minimal `Vec<u8>` that works without `alloc`).
/// Capacities are powers of two; a dropped buffer's block is reused by the next buffer of that
/// class, so building a few buffers per record does not grow memory.
///
/// Dereferences to `[u8]`; implements `core::fmt::Write` (formatting code adds size: the
/// `push_*` methods do not need it).
pub struct Buf {
    ptr: *mut u8,
    len: usize,
    cap: usize,
}

impl Buf {
    /// An empty buffer; allocates nothing.
    pub const fn new() -> Buf {
        Buf { ptr: ALIGN as *mut u8, len: 0, cap: 0 }
    }

    /// An empty buffer with room for at least `cap` bytes.
    pub fn with_capacity(cap: usize) -> Buf {
        let mut b = Buf::new();
        b.reserve(cap);
        b
    }

    /// A buffer holding a copy of `bytes`.
    pub fn from_slice(bytes: &[u8]) -> Buf {
        let mut b = Buf::with_capacity(bytes.len());
        b.extend_from_slice(bytes);
        b
    }

    /// The number of bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no byte.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes it can hold without growing.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr is non-null and aligned; the first len bytes are initialized.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The bytes, mutable.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as for as_slice, and we hold &mut self.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    /// The bytes as UTF-8, or `None` when they are not.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_slice()).ok()
    }

    /// A pointer to the first byte (never null, also when empty).
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr
    }

    /// A mutable pointer to the first byte (never null): with [`Buf::capacity`] and
    /// [`Buf::set_len`], for filling it from a host call.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr
    }

    /// Sets the length.
    ///
    /// # Safety
    /// `len <= capacity()`, and the first `len` bytes are initialized.
    #[inline]
    pub unsafe fn set_len(&mut self, len: usize) {
        debug_assert!(len <= self.cap);
        self.len = len;
    }

    /// Empties it, keeping the capacity.
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Shortens it to `len` bytes (no effect when already shorter).
    pub fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.len = len;
        }
    }

    /// Makes room for `additional` more bytes. Traps when memory runs out.
    #[inline]
    pub fn reserve(&mut self, additional: usize) {
        match self.len.checked_add(additional) {
            Some(need) if need <= self.cap => {}
            Some(need) => self.grow(need),
            None => crate::out_of_memory(),
        }
    }

    #[cold]
    fn grow(&mut self, need: usize) {
        let cap = Heap::usable_size(need.max(self.cap.saturating_mul(2)).max(32));
        let ptr = if self.cap == 0 {
            Heap::allocate(cap, ALIGN)
        } else {
            // SAFETY: ptr came from the heap with this capacity.
            unsafe { Heap::reallocate(self.ptr, self.cap, ALIGN, cap) }
        };
        if ptr.is_null() {
            crate::out_of_memory();
        }
        self.ptr = ptr;
        self.cap = cap;
    }

    /// Appends one byte.
    #[inline]
    pub fn push(&mut self, byte: u8) {
        self.reserve(1);
        // SAFETY: len < cap after reserve.
        unsafe { *self.ptr.add(self.len) = byte };
        self.len += 1;
    }

    /// Appends bytes.
    #[inline]
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        // SAFETY: room reserved; a &[u8] cannot overlap our spare capacity.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(self.len), bytes.len()) };
        self.len += bytes.len();
    }

    /// Appends a string's UTF-8 bytes.
    #[inline]
    pub fn push_str(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }

    /// Appends `v` in decimal ASCII, with a `-` when negative.
    pub fn push_i64(&mut self, v: i64) {
        if v < 0 {
            self.push(b'-');
        }
        self.push_u64(v.unsigned_abs());
    }

    /// Appends `v` in decimal ASCII.
    pub fn push_u64(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.extend_from_slice(&digits[i..]);
    }

    /// Appends a little-endian `u16`, `u32` or `i64`: for building envelopes.
    pub(crate) fn push_le(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    /// A copy as a `Vec<u8>`.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        self.as_slice().to_vec()
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        if self.cap != 0 {
            // SAFETY: allocated by grow() with this capacity.
            unsafe { Heap::deallocate(self.ptr, self.cap, ALIGN) };
        }
    }
}

impl Default for Buf {
    fn default() -> Buf {
        Buf::new()
    }
}

impl Clone for Buf {
    fn clone(&self) -> Buf {
        Buf::from_slice(self.as_slice())
    }
}

impl Deref for Buf {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl DerefMut for Buf {
    #[inline]
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl AsRef<[u8]> for Buf {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl From<&[u8]> for Buf {
    fn from(bytes: &[u8]) -> Buf {
        Buf::from_slice(bytes)
    }
}

impl From<&str> for Buf {
    fn from(s: &str) -> Buf {
        Buf::from_slice(s.as_bytes())
    }
}

impl PartialEq for Buf {
    fn eq(&self, other: &Buf) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Buf {}

impl PartialEq<[u8]> for Buf {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for Buf {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl PartialEq<&str> for Buf {
    fn eq(&self, other: &&str) -> bool {
        self.as_slice() == other.as_bytes()
    }
}

impl core::fmt::Debug for Buf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_str() {
            Some(s) => core::fmt::Debug::fmt(s, f),
            None => core::fmt::Debug::fmt(self.as_slice(), f),
        }
    }
}

impl core::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

impl Extend<u8> for Buf {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        for b in iter {
            self.push(b);
        }
    }
}

impl<'a> Extend<&'a u8> for Buf {
    fn extend<I: IntoIterator<Item = &'a u8>>(&mut self, iter: I) {
        for b in iter {
            self.push(*b);
        }
    }
}
