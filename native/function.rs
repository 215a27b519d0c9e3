//! Loaded functions, their handles, and the per-thread instances that run them.
//!
//! A handle is `generation << 32 | slot index` into a [`Slab`] of function slots, which are
//! never freed, only reused with a new generation. So a stale or forged handle is detected by
//! a generation mismatch instead of dereferencing freed memory, and closing a function from
//! one thread while another calls it is memory-safe without any per-call lock or reference
//! count.
//!
//! wasmer's `Store` is not `Send`, so each OS thread that calls a function gets its own `Store`
//! and `Instance`, kept in that thread's `thread_local!` table and nowhere else. No other thread
//! can reach them, whatever handle values Java passes: this module has no `unsafe` code, and
//! the compiler checks the thread confinement. A virtual thread runs on its carrier's instance
//! (it cannot move to another carrier while it is inside a native call). A thread frees its
//! instances of unloaded functions on its next call, and all of them when it exits.

#![forbid(unsafe_code)]

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use wasmer::sys::vm::TrapCode;
use wasmer::{Global, Imports, Instance, Memory, RuntimeError, Store, Type, TypedFunction, Value};

use crate::deadline::Watch;
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::module::{self, CompiledModule};
use crate::signals::InCall;
use crate::slab::Slab;

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

/// What a handle refers to: a compiled module, the export to call and the limits of a call.
#[derive(Debug)]
pub struct FunctionDef {
    pub module: Arc<CompiledModule>,
    pub export: String,
    pub limits: Limits,
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
/// Live instances (each a `Store` with one instantiated module), over all threads.
static INSTANCES: AtomicUsize = AtomicUsize::new(0);

/// The slot of a live handle. Only odd generations are live: a made-up handle with an even one
/// could otherwise match a free slot, and unloading it would put the slot on the free list twice.
fn live_slot(handle: Handle) -> Result<&'static FunctionSlot> {
    if handle.generation().is_multiple_of(2) {
        return Err(Error::Closed);
    }
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
pub fn load_i64(bytes: &[u8], export: &str, limits: Limits) -> Result<Handle> {
    if export.is_empty() {
        return Err(Error::InvalidArgument("the export name must not be empty".to_owned()));
    }
    let module = module::compile(bytes, &limits)?;
    module.check_export(export, &[Type::I64], &[Type::I64])?;
    module.check_no_imports()?;
    allocate(FunctionDef {
        module,
        export: export.to_owned(),
        limits,
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

/// How many functions are loaded (handles not yet unloaded), for diagnostics and tests.
pub fn functions_loaded() -> usize {
    FUNCTIONS.indices.in_use()
}

/// How many instances exist, over all threads and functions (for diagnostics and tests: each
/// is one `Store` with its memories).
pub fn instances_in_use() -> usize {
    INSTANCES.load(Ordering::Relaxed)
}

/// A store with one instance of a module, its export, and what enforces the limits.
struct LiveInstance {
    store: Store,
    func: TypedFunction<i64, i64>,
    /// The metering globals, when the module is metered.
    fuel: Option<Fuel>,
    /// Set when calls have a deadline.
    watch: Option<Arc<Watch>>,
    /// The exported memories, to tell whether a trap came with memory at its cap.
    memories: Vec<Memory>,
}

/// The two globals the metering middleware adds to a module.
struct Fuel {
    remaining: Global,
    exhausted: Global,
}

impl Drop for LiveInstance {
    fn drop(&mut self) {
        INSTANCES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `call` with the fuel and deadline of `limits`. Returns whether the watchdog signalled
/// the call beside its outcome.
#[inline]
fn guarded<T>(
    store: &mut Store,
    fuel: Option<&Fuel>,
    watch: Option<&Arc<Watch>>,
    limits: &Limits,
    call: impl FnOnce(&mut Store) -> std::result::Result<T, RuntimeError>,
) -> (std::result::Result<T, RuntimeError>, bool) {
    if let Some(fuel) = fuel {
        // The points are a u64 in an i64 global; no budget is the largest count.
        let budget = limits.fuel_per_call.unwrap_or(u64::MAX);
        if let Err(err) = fuel.remaining.set(store, Value::I64(budget as i64)) {
            return (Err(err), false);
        }
    }
    match (watch, limits.timeout) {
        (Some(watch), Some(timeout)) => {
            // Marked before the watchdog can signal, cleared after any signal is consumed.
            let _in_call = match InCall::enter() {
                Ok(in_call) => in_call,
                Err(err) => return (Err(RuntimeError::new(err.to_string())), false),
            };
            let ticket = watch.start(timeout);
            let outcome = call(store);
            (outcome, watch.finish(ticket))
        }
        _ => (call(store), false),
    }
}

impl LiveInstance {
    /// Calls the export with the fuel and deadline of `limits`.
    #[inline]
    fn call(&mut self, limits: &Limits, arg: i64) -> (std::result::Result<i64, RuntimeError>, bool) {
        let LiveInstance {
            store,
            func,
            fuel,
            watch,
            ..
        } = self;
        guarded(store, fuel.as_ref(), watch.as_ref(), limits, |store| {
            func.call(store, arg)
        })
    }

    /// The error for a trap: a limit when one caused it, the guest's own trap otherwise.
    #[cold]
    fn trap_error(&mut self, trap: RuntimeError, signalled: bool, limits: &Limits) -> Error {
        let code = trap.clone().to_trap();
        if signalled && code == Some(TrapCode::HostInterrupt) {
            if let Some(timeout) = limits.timeout {
                return Error::DeadlineExceeded {
                    timeout,
                    trace: Error::trace_of(&trap),
                };
            }
        }
        if code == Some(TrapCode::UnreachableCodeReached) {
            if let Some(fuel) = &self.fuel {
                if fuel.exhausted.get(&mut self.store) == Value::I32(1) {
                    return Error::FuelExhausted {
                        fuel: limits.fuel_per_call.unwrap_or(u64::MAX),
                        trace: Error::trace_of(&trap),
                    };
                }
            }
        }
        let at_cap = self
            .memories
            .iter()
            .any(|memory| memory.view(&self.store).size().0 >= limits.memory_pages);
        let err = Error::from_runtime(trap);
        if at_cap {
            Error::MemoryCapTrap {
                pages: limits.memory_pages,
                trap: Box::new(err),
            }
        } else {
            err
        }
    }
}

/// A fresh store and instance of `def`'s module, and its export as a typed function.
pub fn new_instance(def: &FunctionDef) -> Result<(Store, Instance, TypedFunction<i64, i64>)> {
    // Before the first store: see `crate::signals`.
    crate::signals::init()?;
    let mut store = Store::new(def.module.engine.clone());
    let instance = Instance::new(&mut store, &def.module.module, &Imports::new()).map_err(Error::from_instantiation)?;
    let func = instance
        .exports
        .get_typed_function::<i64, i64>(&store, &def.export)
        .map_err(|e| Error::Instantiate(e.to_string()))?;
    Ok((store, instance, func))
}

/// This thread's instance of one function: created on the first call, dropped after a trap.
struct ThreadInstance {
    def: Arc<FunctionDef>,
    /// Borrowed for the length of a call, so a re-entrant call into the same instance (a host
    /// function calling back into the function that called it) is refused, not aliased.
    live: RefCell<Option<LiveInstance>>,
}

impl ThreadInstance {
    /// Calls the export, creating the instance first if needed.
    ///
    /// After a trap the instance is discarded, so the next call starts from a fresh instance
    /// rather than from whatever state the guest was in when it trapped (or ran out of fuel or
    /// time).
    fn call(&self, arg: i64) -> Result<i64> {
        let mut live = self.live.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        let instance = match &mut *live {
            Some(instance) => instance,
            empty => empty.insert(instantiate(&self.def)?),
        };
        match instance.call(&self.def.limits, arg) {
            (Ok(result), _) => Ok(result),
            (Err(trap), signalled) => {
                let err = instance.trap_error(trap, signalled, &self.def.limits);
                *live = None;
                Err(err)
            }
        }
    }
}

#[cold]
#[inline(never)]
fn instantiate(def: &FunctionDef) -> Result<LiveInstance> {
    let (store, instance, func) = new_instance(def)?;
    let fuel = if def.module.config.metered {
        let global = |name: &str| {
            instance
                .exports
                .get_global(name)
                .cloned()
                .map_err(|e| Error::Instantiate(format!("the metering global is missing: {e}")))
        };
        Some(Fuel {
            remaining: global("wasmer_metering_remaining_points")?,
            exhausted: global("wasmer_metering_points_exhausted")?,
        })
    } else {
        None
    };
    let watch = match def.limits.timeout {
        Some(_) => Some(Watch::new(store.interrupter())?),
        None => None,
    };
    let memories = instance
        .exports
        .iter()
        .filter_map(|(_, export)| match export {
            wasmer::Extern::Memory(memory) => Some(memory.clone()),
            _ => None,
        })
        .collect();
    INSTANCES.fetch_add(1, Ordering::Relaxed);
    let mut live = LiveInstance {
        store,
        func,
        fuel,
        watch,
        memories,
    };
    if def.module.has_start {
        run_start(&mut live, &instance, &def.limits)?;
    }
    Ok(live)
}

/// Calls the module's start function (exported by `module::export_start`) under the limits of
/// a call.
#[cold]
fn run_start(live: &mut LiveInstance, instance: &Instance, limits: &Limits) -> Result<()> {
    let start = instance
        .exports
        .get_typed_function::<(), ()>(&live.store, module::START_EXPORT)
        .map_err(|e| Error::Instantiate(format!("the start function cannot be called: {e}")))?;
    let (outcome, signalled) = guarded(
        &mut live.store,
        live.fuel.as_ref(),
        live.watch.as_ref(),
        limits,
        |store| start.call(store),
    );
    match outcome {
        Ok(()) => Ok(()),
        Err(trap) => Err(match live.trap_error(trap, signalled, limits) {
            Error::Trap { code, message, trace } => Error::Trap {
                code,
                message: format!("in the module's start function: {message}"),
                trace,
            },
            other => other,
        }),
    }
}

/// One thread's instances, indexed by function slot index.
struct Local {
    entries: Vec<Option<(Handle, Rc<ThreadInstance>)>>,
    /// `UNLOADS` as of this thread's last sweep.
    seen_unloads: u64,
}

impl Local {
    /// Drops the instances of functions that were unloaded since this thread last looked. An
    /// instance whose call is still running (its function unloaded from inside the call) is
    /// dropped by that call when it returns: the call holds its own reference.
    fn sweep(&mut self) {
        self.seen_unloads = UNLOADS.load(Ordering::Acquire);
        for entry in &mut self.entries {
            if matches!(entry, Some((handle, _)) if live_slot(*handle).is_err()) {
                *entry = None;
            }
        }
    }

    #[inline]
    fn existing(&self, handle: Handle) -> Option<Rc<ThreadInstance>> {
        match self.entries.get(handle.index()) {
            Some(Some((cached, instance))) if *cached == handle => Some(instance.clone()),
            _ => None,
        }
    }

    #[cold]
    fn insert(&mut self, handle: Handle) -> Result<Rc<ThreadInstance>> {
        let instance = Rc::new(ThreadInstance {
            def: definition(handle)?,
            live: RefCell::new(None),
        });
        let at = handle.index();
        if self.entries.len() <= at {
            self.entries.resize_with(at + 1, || None);
        }
        // Replaces (drops) an instance of an earlier function in the same slot, if no sweep did.
        self.entries[at] = Some((handle, instance.clone()));
        Ok(instance)
    }
}

thread_local! {
    static LOCAL: RefCell<Local> = const { RefCell::new(Local { entries: Vec::new(), seen_unloads: 0 }) };
}

/// This thread's instance of `handle` when its table already has it and nothing was unloaded
/// since the last sweep: the path of nearly every call. (An `Option`, not a `Result`: the large
/// error type made the compiler copy results through memory in a way that stalls the CPU's
/// store forwarding.)
#[inline]
fn cached_instance(handle: Handle) -> Option<Rc<ThreadInstance>> {
    LOCAL
        .try_with(|cell| {
            let local = cell.try_borrow().ok()?;
            if local.seen_unloads != UNLOADS.load(Ordering::Acquire) {
                return None; // the slow path sweeps
            }
            local.existing(handle)
        })
        .ok()
        .flatten()
}

/// This thread's instance of `handle`, after a sweep, made when missing (its table entry; the
/// wasm instance itself is created by the first call).
#[cold]
#[inline(never)]
fn thread_instance(handle: Handle) -> Result<Rc<ThreadInstance>> {
    let found = LOCAL.try_with(|cell| {
        // The table is borrowed only inside these closures, never across a call into wasm.
        let mut local = cell.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        if local.seen_unloads != UNLOADS.load(Ordering::Acquire) {
            local.sweep();
        }
        match local.existing(handle) {
            Some(instance) => Ok(instance),
            None => local.insert(handle),
        }
    });
    // The thread-local is gone only while the thread exits.
    match found {
        Ok(result) => result,
        Err(_) => Err(Error::ThreadExiting),
    }
}

/// Calls a loaded `(i64) -> i64` function on this thread's instance of it.
pub fn call_i64(handle: Handle, arg: i64) -> Result<i64> {
    let instance = match cached_instance(handle) {
        Some(instance) => instance,
        None => thread_instance(handle)?,
    };
    instance.call(arg)
}
