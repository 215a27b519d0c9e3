//! A small allocator for a single-threaded guest: power-of-two size classes (16 B .. 2 GiB),
//! one free list per class, fresh blocks carved from pages obtained with `memory.grow`.
//!
//! Freeing a block makes it the next block of its class, so steady per-record allocation does
//! not grow memory. Blocks are never split or merged: the worst case wastes half of a block,
//! and memory freed in one class is not reused by another. It only takes pages from
//! `memory.grow`, never memory it did not grow, so it coexists with another allocator that
//! does the same (std's dlmalloc on wasm32).

use core::alloc::{GlobalAlloc, Layout};

use crate::Global;

const MIN_SHIFT: u32 = 4; // 16 bytes: room for the free-list link, and the usual alignment
const MAX_SHIFT: u32 = 31;
const PAGE: usize = 65536;

struct State {
    /// Head of each class's free list (0: empty); the link is the block's first word.
    free: [usize; 32],
    /// The unused part of the region grown last.
    next: usize,
    end: usize,
}

static STATE: Global<State> = Global::new(State { free: [0; 32], next: 0, end: 0 });

/// The SDK's allocator (see the module docs). A zero-sized handle: all instances share one
/// heap. It is the `#[global_allocator]` with the feature `global-allocator`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Heap;

/// The class of a block for `size` bytes aligned to `align`, or `None` when too large.
#[inline]
fn class_of(size: usize, align: usize) -> Option<u32> {
    let s = size.max(align).max(1 << MIN_SHIFT);
    if s > 1 << MAX_SHIFT {
        return None;
    }
    Some(s.next_power_of_two().trailing_zeros())
}

impl Heap {
    /// `size` bytes aligned to `align` (a power of two), or null when memory is exhausted.
    pub fn allocate(size: usize, align: usize) -> *mut u8 {
        let k = match class_of(size, align) {
            Some(k) => k,
            None => return core::ptr::null_mut(),
        };
        // SAFETY: single-threaded; the lists only hold blocks this heap handed out.
        unsafe {
            let st = &mut *STATE.get();
            let head = st.free[k as usize];
            // A listed block is aligned to at least 16, and to its own size when it was
            // allocated with a larger alignment; only the first is certain.
            if head != 0 && align <= 1 << MIN_SHIFT {
                st.free[k as usize] = *(head as *const usize);
                return head as *mut u8;
            }
            fresh(st, 1 << k, align.max(1 << MIN_SHIFT))
        }
    }

    /// Gives back a block from [`Heap::allocate`] with the same `size` and `align`.
    ///
    /// # Safety
    /// `ptr` came from `allocate(size, align)` (or `reallocate` to `size`) and is not used
    /// again.
    pub unsafe fn deallocate(ptr: *mut u8, size: usize, align: usize) {
        if ptr.is_null() {
            return;
        }
        let k = match class_of(size, align) {
            Some(k) => k,
            None => return,
        };
        let st = &mut *STATE.get();
        *(ptr as *mut usize) = st.free[k as usize];
        st.free[k as usize] = ptr as usize;
    }

    /// Resizes a block, in place when the class stays the same; null when out of memory (the
    /// old block is then untouched).
    ///
    /// # Safety
    /// As for [`Heap::deallocate`] with `old_size`.
    pub unsafe fn reallocate(ptr: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
        if class_of(old_size, align).is_some() && class_of(old_size, align) == class_of(new_size, align) {
            return ptr;
        }
        let new = Heap::allocate(new_size, align);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, old_size.min(new_size));
            Heap::deallocate(ptr, old_size, align);
        }
        new
    }

    /// The usable size of a block allocated for `size` bytes (its power-of-two class).
    pub fn usable_size(size: usize) -> usize {
        class_of(size, 1).map_or(size, |k| 1 << k)
    }
}

/// A new block of `bsize` bytes aligned to `align`, from the current region or fresh pages.
unsafe fn fresh(st: &mut State, bsize: usize, align: usize) -> *mut u8 {
    let memory_end = memory_pages() * PAGE;
    if st.end != memory_end {
        // First use, or somebody else grew memory since: continue at the end of memory. (The
        // rest of our old region is abandoned; it is at most a page or a block.)
        st.next = memory_end;
        st.end = memory_end;
    }
    let start = match st.next.checked_add(align - 1) {
        Some(v) => v & !(align - 1),
        None => return core::ptr::null_mut(),
    };
    let stop = match start.checked_add(bsize) {
        Some(v) => v,
        None => return core::ptr::null_mut(),
    };
    if stop > st.end {
        let pages = (stop - st.end + PAGE - 1) / PAGE;
        if !memory_grow(pages) {
            return core::ptr::null_mut();
        }
        st.end += pages * PAGE;
    }
    st.next = stop;
    start as *mut u8
}

#[cfg(target_arch = "wasm32")]
fn memory_pages() -> usize {
    core::arch::wasm32::memory_size(0)
}

#[cfg(target_arch = "wasm32")]
fn memory_grow(pages: usize) -> bool {
    core::arch::wasm32::memory_grow(0, pages) != usize::MAX
}

// Elsewhere (documentation builds, `cargo check` on the host) there is no linear memory.
#[cfg(not(target_arch = "wasm32"))]
fn memory_pages() -> usize {
    0
}

#[cfg(not(target_arch = "wasm32"))]
fn memory_grow(_pages: usize) -> bool {
    false
}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Heap::allocate(layout.size(), layout.align())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Heap::deallocate(ptr, layout.size(), layout.align())
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Heap::reallocate(ptr, layout.size(), layout.align(), new_size)
    }
}
