//! Loaded functions, their handles, and the per-thread instances that run them.
//!
//! A handle is `generation << 32 | slot index` into a table whose slots are never freed,
//! only reused with a new generation. So a stale or forged handle is detected by a
//! generation mismatch instead of dereferencing freed memory, and closing a function
//! from one thread while another calls it is memory-safe without any per-call lock or
//! reference count.
//!
//! wasmer's `Store` is tied to one thread, so every thread that calls a function gets its
//! own `Store` + `Instance`, created on its first call and kept in a thread-local table
//! indexed by slot. The hot path is: one thread-local lookup, one atomic load (a plain load on
//! x86) to notice unloads, a generation compare, and wasmer's typed call.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use wasmer::{Imports, Instance, InstantiationError, Store, Type, TypedFunction};

use crate::error::{Error, Result};
use crate::module::{self, CompiledModule};

/// An opaque reference to a loaded function, safe to copy across threads and to keep after
/// [`unload`]: every use checks that it is still live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handle(u64);

impl Handle {
    pub fn from_raw(raw: u64) -> Handle {
        Handle(raw)
    }
    pub fn into_raw(self) -> u64 {
        self.0
    }
    fn index(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }
    fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}

/// What a handle refers to: a compiled module and the export to call.
#[derive(Debug)]
pub struct FunctionDef {
    pub module: Arc<CompiledModule>,
    pub export: String,
}

struct Slot {
    /// Odd while the slot holds a live function, even while free; bumped on load and unload.
    generation: AtomicU32,
    def: Mutex<Option<Arc<FunctionDef>>>,
}

const CHUNK_SIZE: usize = 256;
const MAX_CHUNKS: usize = 4096;

/// Slots are allocated in chunks that are never freed, so readers need no lock.
static CHUNKS: [OnceLock<Box<[Slot]>>; MAX_CHUNKS] = [const { OnceLock::new() }; MAX_CHUNKS];
/// Counts unloads, so threads notice when to drop their instances of unloaded functions.
static UNLOADS: AtomicU64 = AtomicU64::new(0);

struct FreeList {
    free: Vec<u32>,
    next: u32,
}
static FREE: Mutex<FreeList> = Mutex::new(FreeList {
    free: Vec::new(),
    next: 0,
});

fn slot(index: usize) -> Option<&'static Slot> {
    CHUNKS.get(index / CHUNK_SIZE)?.get()?.get(index % CHUNK_SIZE)
}

fn live_slot(handle: Handle) -> Result<&'static Slot> {
    match slot(handle.index()) {
        Some(slot) if slot.generation.load(Ordering::Acquire) == handle.generation() => Ok(slot),
        _ => Err(Error::Closed),
    }
}

fn allocate(def: FunctionDef) -> Result<Handle> {
    let index = {
        let mut list = FREE.lock();
        match list.free.pop() {
            Some(index) => index,
            None => {
                let index = list.next;
                if index as usize >= CHUNK_SIZE * MAX_CHUNKS {
                    return Err(Error::InvalidArgument(format!(
                        "too many WASM functions loaded at once (at most {}); close the ones no longer used",
                        CHUNK_SIZE * MAX_CHUNKS
                    )));
                }
                list.next += 1;
                index
            }
        }
    } as usize;
    let chunk = CHUNKS[index / CHUNK_SIZE].get_or_init(|| {
        (0..CHUNK_SIZE)
            .map(|_| Slot {
                generation: AtomicU32::new(0),
                def: Mutex::new(None),
            })
            .collect()
    });
    let slot = &chunk[index % CHUNK_SIZE];
    let mut guard = slot.def.lock();
    *guard = Some(Arc::new(def));
    let generation = slot.generation.fetch_add(1, Ordering::AcqRel).wrapping_add(1);
    Ok(Handle((u64::from(generation) << 32) | index as u64))
}

/// Compiles (or reuses) a module and checks that `export` is a function `(i64) -> i64`.
pub fn load_i64(bytes: &[u8], export: &str) -> Result<Handle> {
    if export.is_empty() {
        return Err(Error::InvalidArgument("the export name must not be empty".to_owned()));
    }
    let module = module::compile(bytes)?;
    module.check_export(export, &[Type::I64], &[Type::I64])?;
    module.check_no_imports()?;
    allocate(FunctionDef {
        module,
        export: export.to_owned(),
    })
}

/// The definition behind a live handle.
pub fn definition(handle: Handle) -> Result<Arc<FunctionDef>> {
    let slot = live_slot(handle)?;
    let def = slot.def.lock();
    // Re-check under the lock: the slot may have been unloaded and reused since.
    if slot.generation.load(Ordering::Acquire) != handle.generation() {
        return Err(Error::Closed);
    }
    def.clone().ok_or(Error::Closed)
}

/// Unloads a function. Returns `false` when it was already unloaded (closing is idempotent).
///
/// Calls already running on other threads finish normally; their threads free their
/// instances on their next call into any function, or when they exit.
pub fn unload(handle: Handle) -> bool {
    let Ok(slot) = live_slot(handle) else { return false };
    {
        let mut def = slot.def.lock();
        if slot.generation.load(Ordering::Acquire) != handle.generation() {
            return false;
        }
        *def = None;
        slot.generation.fetch_add(1, Ordering::AcqRel);
    }
    FREE.lock().free.push(handle.index() as u32);
    UNLOADS.fetch_add(1, Ordering::Release);
    // Free this thread's instance now rather than on its next call.
    let _ = LOCAL.try_with(|local| {
        if let Ok(mut local) = local.try_borrow_mut() {
            local.sweep();
        }
    });
    true
}

struct LocalInstance {
    generation: u32,
    store: Store,
    func: TypedFunction<i64, i64>,
}

struct Local {
    instances: Vec<Option<LocalInstance>>,
    seen_unloads: u64,
}

impl Local {
    /// Drops the instances of functions that were unloaded since this thread last looked.
    fn sweep(&mut self) {
        self.seen_unloads = UNLOADS.load(Ordering::Acquire);
        for (index, entry) in self.instances.iter_mut().enumerate() {
            let stale = match (entry.as_ref(), slot(index)) {
                (Some(instance), Some(slot)) => slot.generation.load(Ordering::Acquire) != instance.generation,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if stale {
                *entry = None;
            }
        }
    }
}

thread_local! {
    static LOCAL: RefCell<Local> = const { RefCell::new(Local { instances: Vec::new(), seen_unloads: 0 }) };
}

fn instantiate(handle: Handle) -> Result<LocalInstance> {
    let def = definition(handle)?;
    let (store, func) = new_instance(&def)?;
    Ok(LocalInstance {
        generation: handle.generation(),
        store,
        func,
    })
}

/// A fresh store and instance of `def`'s module, and its export as a typed function.
pub fn new_instance(def: &FunctionDef) -> Result<(Store, TypedFunction<i64, i64>)> {
    let mut store = Store::new(module::engine().clone());
    let instance = Instance::new(&mut store, &def.module.module, &Imports::new()).map_err(|e| match e {
        InstantiationError::Start(trap) => Error::from_runtime(trap),
        other => Error::Instantiate(other.to_string()),
    })?;
    let func = instance
        .exports
        .get_typed_function::<i64, i64>(&store, &def.export)
        .map_err(|e| Error::Instantiate(e.to_string()))?;
    Ok((store, func))
}

/// Calls a loaded `(i64) -> i64` function on this thread's instance of it.
///
/// After a trap the instance is discarded, so the next call starts from a fresh instance
/// rather than from whatever state the guest was in when it trapped.
pub fn call_i64(handle: Handle, arg: i64) -> Result<i64> {
    let outcome = LOCAL.try_with(|cell| {
        let mut local = cell.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        // No slot lookup on the fast path: `unload` bumps the generation before UNLOADS, so once
        // this thread sees the new count its sweep drops the unloaded function's instance, and
        // the slow path below (`instantiate`) then reports it closed.
        if local.seen_unloads != UNLOADS.load(Ordering::Acquire) {
            local.sweep();
        }
        let index = handle.index();
        let cached = matches!(local.instances.get(index), Some(Some(i)) if i.generation == handle.generation());
        if !cached {
            // Slow path: check the handle before growing this thread's table for it.
            live_slot(handle)?;
            if local.instances.len() <= index {
                local.instances.resize_with(index + 1, || None);
            }
            local.instances[index] = Some(instantiate(handle)?);
        }
        let entry = &mut local.instances[index];
        let Some(instance) = entry.as_mut() else {
            return Err(Error::Closed);
        };
        match instance.func.call(&mut instance.store, arg) {
            Ok(result) => Ok(result),
            Err(trap) => {
                *entry = None;
                Err(Error::from_runtime(trap))
            }
        }
    });
    // The thread-local is gone only while the thread exits. (A match, not unwrap_or: that would
    // build and drop an Error on every call, which showed in profiles.)
    match outcome {
        Ok(result) => result,
        Err(_) => Err(Error::Closed),
    }
}
