//! A table addressed by index whose storage is never freed, only reused: the function slots.
//!
//! An index that is stale or made up still lands on a valid entry (or on `None`), never on
//! freed memory, so readers need no lock. What an entry means, and whether a reader may trust
//! it, is the owner's business: `function` tags entries with generations.

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;

/// Hands out indices below a capacity, reusing released ones first (most recent first).
pub struct Indices {
    free: Mutex<FreeList>,
    capacity: usize,
    in_use: AtomicUsize,
}

struct FreeList {
    free: Vec<u32>,
    next: u32,
}

impl Indices {
    pub const fn new(capacity: usize) -> Self {
        Indices {
            free: Mutex::new(FreeList {
                free: Vec::new(),
                next: 0,
            }),
            capacity,
            in_use: AtomicUsize::new(0),
        }
    }

    /// A free index; `None` when all `capacity` are in use.
    pub fn allocate(&self) -> Option<usize> {
        let index = {
            let mut list = self.free.lock();
            match list.free.pop() {
                Some(index) => index as usize,
                None if (list.next as usize) < self.capacity => {
                    list.next += 1;
                    list.next as usize - 1
                }
                None => return None,
            }
        };
        self.in_use.fetch_add(1, Ordering::Relaxed);
        Some(index)
    }

    /// Returns an index. The caller has reset its entry (or marked it unusable) first: the next
    /// `allocate` may hand it out at once.
    pub fn release(&self, index: usize) {
        self.free.lock().free.push(index as u32);
        self.in_use.fetch_sub(1, Ordering::Relaxed);
    }

    /// How many indices are allocated and not released.
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Relaxed)
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

const CHUNK_SIZE: usize = 256;
const MAX_CHUNKS: usize = 4096;

/// A table that grows in chunks as it is used: chunks are allocated once and kept for the life
/// of the process.
pub struct Slab<T> {
    chunks: [OnceLock<Box<[T]>>; MAX_CHUNKS],
    pub indices: Indices,
}

impl<T: Default> Slab<T> {
    pub const fn new() -> Self {
        Slab {
            chunks: [const { OnceLock::new() }; MAX_CHUNKS],
            indices: Indices::new(CHUNK_SIZE * MAX_CHUNKS),
        }
    }

    #[inline]
    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK_SIZE)?.get()?.get(index % CHUNK_SIZE)
    }

    /// Takes a free entry; `None` when the table is full.
    pub fn allocate(&self) -> Option<(usize, &T)> {
        let index = self.indices.allocate()?;
        let chunk = self.chunks[index / CHUNK_SIZE].get_or_init(|| (0..CHUNK_SIZE).map(|_| T::default()).collect());
        Some((index, &chunk[index % CHUNK_SIZE]))
    }
}
