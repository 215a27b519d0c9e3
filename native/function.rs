//! Loaded functions, their handles, and the per-thread instances that run them.
//!
//! A handle is `generation << 32 | slot index` into a [`Slab`] of function slots, which are
//! never freed, only reused with a new generation. So a stale or forged handle is detected by
//! a generation mismatch instead of dereferencing freed memory, and closing a function from
//! one thread while another calls it is memory-safe without any per-call lock or reference
//! count.
//!
//! wasmer's `Store` is tied to one thread, so every thread that calls a function gets its own
//! `Store` + `Instance`, created on its first call, in an instance slot of a second slab. A
//! thread-local table maps each function to the calling thread's instance slot. Only that
//! thread ever touches the instance, and only that thread frees it: when it notices that the
//! function was unloaded (on its next call) or when it exits.
//!
//! There are two ways to call:
//! - [`call_i64`] finds this thread's instance through the thread-local table, from any thread;
//! - [`bind_i64`] returns this thread's instance slot as a [`Binding`] that the caller keeps,
//!   and [`call_bound_i64`] goes straight to it after checking that the calling thread owns it
//!   (a [`ThreadKey`] compare). That skips the thread-local lookup, which in a `dlopen`ed
//!   library is a call into the dynamic linker's TLS resolver followed by a chain of dependent
//!   loads: about 7 ns a call on a JVM thread, more than half of what the bridge adds to
//!   wasmer's own call. A binding that no longer fits (another thread, an unload since, a
//!   made-up value) makes it fall back to `call_i64`: slower, never wrong.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::marker::PhantomData;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use wasmer::{Imports, Instance, InstantiationError, Store, Type, TypedFunction};

use crate::error::{Error, Result};
use crate::module::{self, CompiledModule};
use crate::slab::{Indices, Slab};

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

#[derive(Default)]
struct FunctionSlot {
    /// Odd while the slot holds a live function, even while free; bumped on load and unload.
    /// A live handle's generation is odd, so no live handle is 0.
    generation: AtomicU32,
    def: Mutex<Option<Arc<FunctionDef>>>,
}

static FUNCTIONS: Slab<FunctionSlot> = Slab::new();
/// Counts unloads, so threads notice when to drop their instances of unloaded functions.
static UNLOADS: AtomicU64 = AtomicU64::new(0);

fn live_slot(handle: Handle) -> Result<&'static FunctionSlot> {
    match FUNCTIONS.get(handle.index()) {
        Some(slot) if slot.generation.load(Ordering::Acquire) == handle.generation() => Ok(slot),
        _ => Err(Error::Closed),
    }
}

fn allocate(def: FunctionDef) -> Result<Handle> {
    let (index, slot) = FUNCTIONS.allocate().ok_or_else(|| {
        Error::LimitReached(format!(
            "too many WASM functions loaded at once (at most {}); close the ones no longer used",
            FUNCTIONS.indices.capacity()
        ))
    })?;
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
    FUNCTIONS.indices.release(handle.index());
    UNLOADS.fetch_add(1, Ordering::Release);
    // Free this thread's instance now rather than on its next call.
    let _ = LOCAL.try_with(|local| {
        if let Ok(mut local) = local.try_borrow_mut() {
            local.sweep();
        }
    });
    true
}

/// Identifies the calling thread to [`bind_i64`] and [`call_bound_i64`], so that they can check
/// ownership of an instance without a thread-local lookup.
///
/// Not `Send`: a key belongs to the thread that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadKey {
    raw: NonZeroUsize,
    _not_send: PhantomData<*const ()>,
}

impl ThreadKey {
    /// A key from a value the caller already has at hand, such as a JNI environment pointer.
    ///
    /// # Safety
    /// No other live thread may use the same value as its key, and the calling thread must
    /// keep using this value for the bindings it makes with it. (Two threads with one key
    /// could both reach one `Store`, which is not thread-safe.)
    pub unsafe fn new(raw: NonZeroUsize) -> ThreadKey {
        ThreadKey {
            raw,
            _not_send: PhantomData,
        }
    }

    /// A key from the address of one of this thread's thread-locals: unique among live
    /// threads, and only reused after this thread's instances were freed at its exit.
    pub fn current() -> ThreadKey {
        thread_local! {
            static ANCHOR: u8 = const { 0 };
        }
        let raw = ANCHOR.with(|anchor| anchor as *const u8 as usize);
        ThreadKey {
            // A thread-local's address is never 0; `MIN` only satisfies the type.
            raw: NonZeroUsize::new(raw).unwrap_or(NonZeroUsize::MIN),
            _not_send: PhantomData,
        }
    }
}

/// One thread's instance slot of one function, as [`bind_i64`] returns it. Any value is safe
/// to pass back: [`call_bound_i64`] checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding(u32);

impl Binding {
    pub fn from_raw(raw: u32) -> Binding {
        Binding(raw)
    }
    pub fn into_raw(self) -> u32 {
        self.0
    }
}

struct LocalInstance {
    store: Store,
    func: TypedFunction<i64, i64>,
}

/// One thread's instance of one function.
///
/// The atomics are written by the owning thread and may be read by any thread; everything
/// else is touched only by the owning thread: the thread whose table holds the slot. A
/// thread proves ownership either by finding the slot in its own table, or by presenting the
/// key it bound the slot with (`owner`).
///
/// One cache line each: neighbouring slots usually belong to different threads, and every call
/// writes `busy`, so sharing a line would bounce it between cores.
#[repr(align(64))]
struct InstanceSlot {
    /// The raw [`ThreadKey`] the owning thread bound this slot with; 0 when not bound.
    owner: AtomicUsize,
    /// The raw [`Handle`] of the function this is an instance of; 0 while free.
    function: AtomicU64,
    /// Set while a call runs on the instance: guards against re-entry and against freeing it.
    busy: Cell<bool>,
    /// `UNLOADS` as of the owner's last sweep; the bound path falls back (and so sweeps) when
    /// it changes.
    seen_unloads: Cell<u64>,
    /// Created on the first call, dropped after a trap.
    live: UnsafeCell<Option<LocalInstance>>,
}

impl InstanceSlot {
    const fn free() -> InstanceSlot {
        InstanceSlot {
            owner: AtomicUsize::new(0),
            function: AtomicU64::new(0),
            busy: Cell::new(false),
            seen_unloads: Cell::new(0),
            live: UnsafeCell::new(None),
        }
    }
}

// SAFETY: the non-atomic fields (`busy`, `seen_unloads`, `live`, whose `Store` is not
// thread-safe) are only used by the owning thread, as described on the struct: a slot enters a
// thread's table from the free list, under its lock, with `live` empty, and its owner empties
// `live` before returning it there. Other threads read only the atomics.
unsafe impl Sync for InstanceSlot {}

/// At most this many instances exist at once (one per function and calling thread).
const MAX_INSTANCES: usize = 1 << 16;
/// One flat table rather than a [`Slab`]: a bound call then finds its slot without loading a
/// chunk pointer first, one dependent load less ahead of wasmer's own chain of them. Untouched
/// pages of it cost no memory (the table is all zeroes, so it lives in `.bss`).
static INSTANCES: [InstanceSlot; MAX_INSTANCES] = [const { InstanceSlot::free() }; MAX_INSTANCES];
static INSTANCE_INDICES: Indices = Indices::new(MAX_INSTANCES);

/// How many per-thread instance slots exist, over all threads and functions (for tests and
/// diagnostics: each is one `Store` once called).
pub fn instances_in_use() -> usize {
    INSTANCE_INDICES.in_use()
}

/// Frees an instance slot of this thread's table, unless a call is running on it (a call that
/// unloaded its own function, or this thread exiting from inside one): then it returns `false`
/// and leaves the slot alone.
///
/// # Safety
/// The calling thread owns the slot: it is in its table.
unsafe fn free_instance(index: usize) -> bool {
    let slot = &INSTANCES[index];
    if slot.busy.get() {
        return false;
    }
    slot.owner.store(0, Ordering::Release);
    slot.function.store(0, Ordering::Release);
    // SAFETY: the caller owns the slot and no call runs on it, so nothing else refers to `live`.
    drop(unsafe { (*slot.live.get()).take() });
    INSTANCE_INDICES.release(index);
    true
}

struct Local {
    /// Function slot index -> this thread's instance slot index for it.
    instances: Vec<Option<u32>>,
    seen_unloads: u64,
}

impl Local {
    /// Frees the instances of functions that were unloaded since this thread last looked.
    fn sweep(&mut self) {
        let unloads = UNLOADS.load(Ordering::Acquire);
        let mut complete = true;
        for entry in &mut self.instances {
            let Some(index) = entry.map(|index| index as usize) else {
                continue;
            };
            if live_slot(Handle(INSTANCES[index].function.load(Ordering::Acquire))).is_ok() {
                continue;
            }
            // SAFETY: the slot is in this thread's table.
            if unsafe { free_instance(index) } {
                *entry = None;
            } else {
                // Unloaded from inside its own call: free it on a later sweep.
                complete = false;
            }
        }
        if complete {
            self.seen_unloads = unloads;
        }
    }

    /// This thread's instance slot for `handle`, taken from the free list on first use (the
    /// instance itself is created by the first call).
    fn instance_for(&mut self, handle: Handle) -> Result<(usize, &'static InstanceSlot)> {
        match self.existing_instance(handle) {
            Some(found) => Ok(found),
            None => self.new_instance_slot(handle),
        }
    }

    /// The slot this thread already has for `handle`. (An `Option`, not a `Result`: the large
    /// error type made the compiler copy the result through memory in a way that stalled the
    /// CPU's store forwarding, adding 15 ns a call.)
    #[inline]
    fn existing_instance(&self, handle: Handle) -> Option<(usize, &'static InstanceSlot)> {
        let index = (*self.instances.get(handle.index())?)? as usize;
        let slot = INSTANCES.get(index)?;
        if slot.function.load(Ordering::Acquire) != handle.0 {
            return None;
        }
        slot.seen_unloads.set(self.seen_unloads);
        Some((index, slot))
    }

    #[cold]
    fn new_instance_slot(&mut self, handle: Handle) -> Result<(usize, &'static InstanceSlot)> {
        live_slot(handle)?;
        let at = handle.index();
        if self.instances.len() <= at {
            self.instances.resize_with(at + 1, || None);
        }
        // An instance of an earlier function in the same function slot that no sweep freed yet.
        if let Some(old) = self.instances[at] {
            // SAFETY: the slot is in this thread's table.
            if !unsafe { free_instance(old as usize) } {
                return Err(Error::Reentrant);
            }
            self.instances[at] = None;
        }
        let index = INSTANCE_INDICES.allocate().ok_or_else(|| {
            Error::LimitReached(format!(
                "too many WASM instances at once (at most {MAX_INSTANCES}, one per function and calling thread); close the functions no longer used"
            ))
        })?;
        let slot = &INSTANCES[index];
        slot.function.store(handle.0, Ordering::Release);
        slot.seen_unloads.set(self.seen_unloads);
        self.instances[at] = Some(index as u32);
        Ok((index, slot))
    }
}

impl Drop for Local {
    /// Frees this thread's instances as it exits.
    fn drop(&mut self) {
        for index in self.instances.drain(..).flatten() {
            // SAFETY: the slot is in this thread's table.
            unsafe { free_instance(index as usize) };
        }
    }
}

thread_local! {
    static LOCAL: RefCell<Local> = const { RefCell::new(Local { instances: Vec::new(), seen_unloads: 0 }) };
}

/// Runs `f` on this thread's table, after freeing the instances of unloaded functions.
fn with_local<R>(f: impl FnOnce(&mut Local) -> Result<R>) -> Result<R> {
    let outcome = LOCAL.try_with(|cell| {
        let mut local = cell.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        if local.seen_unloads != UNLOADS.load(Ordering::Acquire) {
            local.sweep();
        }
        f(&mut local)
    });
    // The thread-local is gone only while the thread exits. (A match, not unwrap_or: that would
    // build and drop an Error on every call, which showed in profiles.)
    match outcome {
        Ok(result) => result,
        Err(_) => Err(Error::Closed),
    }
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

#[cold]
#[inline(never)]
fn instantiate(handle: Handle) -> Result<LocalInstance> {
    let (store, func) = new_instance(&*definition(handle)?)?;
    Ok(LocalInstance { store, func })
}

/// Clears `busy` when the call ends, even by unwinding.
struct BusyGuard<'a>(&'a Cell<bool>);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Calls `handle`'s export on the instance in `slot`, creating the instance first if needed.
///
/// After a trap the instance is discarded, so the next call starts from a fresh instance
/// rather than from whatever state the guest was in when it trapped.
///
/// # Safety
/// The calling thread owns `slot`, and `slot` belongs to `handle`.
#[inline(always)]
unsafe fn call_owned(handle: Handle, slot: &InstanceSlot, arg: i64) -> Result<i64> {
    if slot.busy.replace(true) {
        return Err(Error::Reentrant);
    }
    let _busy = BusyGuard(&slot.busy);
    // SAFETY: this thread owns the slot and has just marked it busy, so no other reference to
    // `live` exists: a re-entrant call stops at `busy` above, and sweeps skip busy slots.
    let live = unsafe { &mut *slot.live.get() };
    let instance = match live {
        Some(instance) => instance,
        None => live.insert(instantiate(handle)?),
    };
    match instance.func.call(&mut instance.store, arg) {
        Ok(result) => Ok(result),
        Err(trap) => {
            *live = None;
            Err(Error::from_runtime(trap))
        }
    }
}

/// Calls a loaded `(i64) -> i64` function on this thread's instance of it.
pub fn call_i64(handle: Handle, arg: i64) -> Result<i64> {
    let cached = LOCAL.try_with(|cell| {
        let local = cell.try_borrow().ok()?;
        if local.seen_unloads != UNLOADS.load(Ordering::Acquire) {
            return None; // the slow path sweeps
        }
        local.existing_instance(handle)
    });
    let slot = match cached {
        Ok(Some((_, slot))) => slot,
        _ => with_local(|local| local.instance_for(handle))?.1,
    };
    // SAFETY: `slot` is in this thread's table, matched to `handle`. Only this thread could
    // free it, and it does not between here and the call.
    unsafe { call_owned(handle, slot, arg) }
}

/// This thread's instance of `handle`, to pass back to [`call_bound_i64`] with the same `key`.
/// The instance itself is created by the first call.
pub fn bind_i64(handle: Handle, key: ThreadKey) -> Result<Binding> {
    with_local(|local| {
        let (index, slot) = local.instance_for(handle)?;
        slot.owner.store(key.raw.get(), Ordering::Release);
        Ok(Binding(index as u32))
    })
}

/// Like [`call_i64`], but goes straight to the instance that `binding` names when the calling
/// thread bound it with `key` and nothing was unloaded since; otherwise it is `call_i64`.
#[inline(always)]
pub fn call_bound_i64(handle: Handle, binding: Binding, key: ThreadKey, arg: i64) -> Result<i64> {
    if let Some(slot) = INSTANCES.get(binding.0 as usize) {
        // `owner` is only ever the key of the thread whose table holds the slot, and keys are
        // unique among live threads: a match proves that this thread owns the slot, which is
        // what allows reading its `Cell`s.
        if slot.owner.load(Ordering::Acquire) == key.raw.get()
            && slot.function.load(Ordering::Acquire) == handle.0
            && slot.seen_unloads.get() == UNLOADS.load(Ordering::Acquire)
        {
            // SAFETY: this thread owns the slot (above) and it belongs to `handle`.
            return unsafe { call_owned(handle, slot, arg) };
        }
    }
    call_i64(handle, arg)
}
