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

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use wasmer::sys::vm::TrapCode;
use wasmer::{FunctionEnv, Global, Instance, Memory, RuntimeError, Store, TypedFunction, Value};

use crate::abi::{self, Decoded, Entry, HostEnv};
use crate::deadline::Watch;
use crate::error::{Error, Result};
use crate::host::HostSpec;
use crate::limits::Limits;
use crate::module::{self, CompiledModule, Precompiled};
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

/// What a handle refers to: a compiled module, how it is entered, the limits of a call, and
/// what its guest can reach on the host.
#[derive(Debug)]
pub struct FunctionDef {
    pub module: Arc<CompiledModule>,
    /// The export called per call: the `(i64) -> i64` export, or `pulsar_process`.
    pub export: String,
    pub entry: Entry,
    pub limits: Limits,
    pub spec: Arc<HostSpec>,
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

/// Compiles (or reuses) a module and checks that `export` is a function `(i64) -> i64` that
/// imports nothing.
pub fn load_i64(bytes: &[u8], export: &str, limits: Limits) -> Result<Handle> {
    load(bytes, Some(export), limits, Arc::new(HostSpec::default()))
}

/// Compiles (or reuses) a module and checks its entry and imports (`abi::entry_of`): a v0
/// function of numbers entered at `export`, or, when `export` is `None`, a v1 guest.
pub fn load(bytes: &[u8], export: Option<&str>, limits: Limits, spec: Arc<HostSpec>) -> Result<Handle> {
    load_with(bytes, export, limits, spec, Precompiled::default())
}

/// [`load`], with the code from `precompiled` when it matches (see [`module::compile_with`]).
pub fn load_with(
    bytes: &[u8],
    export: Option<&str>,
    limits: Limits,
    spec: Arc<HostSpec>,
    precompiled: Precompiled,
) -> Result<Handle> {
    if export.is_some_and(str::is_empty) {
        return Err(Error::InvalidArgument("the export name must not be empty".to_owned()));
    }
    let module = module::compile_with(bytes, &limits, precompiled)?;
    let entry = abi::entry_of(&module, export, &spec)?;
    allocate(FunctionDef {
        module,
        export: export.unwrap_or(abi::PROCESS).to_owned(),
        entry,
        limits,
        spec,
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
        if let Some(host) = def.take().and_then(|def| def.spec.host.clone()) {
            host.close();
        }
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

/// A store with one instance of a module, its entry, and what enforces the limits.
struct LiveInstance {
    store: Store,
    entry: LiveEntry,
    /// The host functions' state, when the module imports any or is a v1 guest.
    env: Option<FunctionEnv<HostEnv>>,
    /// The metering globals, when the module is metered.
    fuel: Option<Fuel>,
    /// Set when calls have a deadline.
    watch: Option<Arc<Watch>>,
    /// The exported memories, to tell whether a trap came with memory at its cap.
    memories: Vec<Memory>,
}

enum LiveEntry {
    I64(TypedFunction<i64, i64>),
    V1(V1Entry),
}

/// A v1 guest's exports and the input buffer the host got from it.
struct V1Entry {
    process: TypedFunction<(i32, i32), i64>,
    alloc: TypedFunction<i32, i32>,
    free: Option<TypedFunction<(i32, i32), ()>>,
    memory: Memory,
    /// `(ptr, capacity)` of the input buffer; capacity 0 before the first record.
    input: (u32, u32),
    /// The reply is built here and lent to the caller: reused, so a record allocates nothing
    /// on this side once the buffer has grown to the largest reply.
    reply: Vec<u8>,
}

/// A failed v1 record: the error, and whether the instance must be discarded (after a trap;
/// a guest's own error keeps it).
struct Failed {
    error: Error,
    discard: bool,
}

impl Failed {
    fn discard(error: Error) -> Failed {
        Failed { error, discard: true }
    }
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
            entry,
            fuel,
            watch,
            ..
        } = self;
        match entry {
            LiveEntry::I64(func) => guarded(store, fuel.as_ref(), watch.as_ref(), limits, |store| {
                func.call(store, arg)
            }),
            LiveEntry::V1(_) => (Err(RuntimeError::new("not a function of numbers")), false),
        }
    }

    /// Runs one record through a v1 guest and builds the reply (`abi::reply`) in the instance's
    /// reply buffer; returns its length.
    fn process(&mut self, limits: &Limits, input: &[u8]) -> std::result::Result<usize, Failed> {
        let LiveInstance {
            store,
            entry,
            fuel,
            watch,
            env,
            memories,
        } = self;
        let (LiveEntry::V1(v1), Some(env)) = (entry, env.as_ref()) else {
            return Err(Failed::discard(Error::InvalidArgument(
                "the function is not a bytes/record guest".to_owned(),
            )));
        };
        let len = u32::try_from(input.len())
            .ok()
            .filter(|len| u64::from(*len) <= abi::MAX_RESULT_LEN)
            .ok_or_else(|| {
                Failed::discard(Error::InvalidArgument(format!(
                    "a record of {} bytes is larger than the 1 GiB a guest can take",
                    input.len()
                )))
            })?;
        // Allocated on the first record even when empty, so the guest never sees a null input.
        if len > v1.input.1 || v1.input.1 == 0 {
            let (old_ptr, old_cap) = v1.input;
            if old_cap > 0 {
                if let Some(free) = &v1.free {
                    let (outcome, signalled) = guarded(store, fuel.as_ref(), watch.as_ref(), limits, |store| {
                        free.call(store, old_ptr as i32, old_cap as i32)
                    });
                    outcome.map_err(|trap| {
                        Failed::discard(in_export(
                            classify_trap(store, fuel.as_ref(), memories, trap, signalled, limits),
                            abi::FREE,
                        ))
                    })?;
                }
                v1.input = (0, 0);
            }
            let cap = len
                .max(abi::MIN_INPUT_BUFFER)
                .checked_next_power_of_two()
                .unwrap_or(len);
            let (outcome, signalled) = guarded(store, fuel.as_ref(), watch.as_ref(), limits, |store| {
                v1.alloc.call(store, cap as i32)
            });
            let ptr = outcome.map_err(|trap| {
                Failed::discard(in_export(
                    classify_trap(store, fuel.as_ref(), memories, trap, signalled, limits),
                    abi::ALLOC,
                ))
            })? as u32;
            let size = v1.memory.view(store).data_size();
            if ptr == 0 || u64::from(ptr) + u64::from(cap) > size {
                return Err(Failed::discard(Error::Trap {
                    code: None,
                    message: if ptr == 0 {
                        format!("{}({cap}) returned 0: the guest is out of memory", abi::ALLOC)
                    } else {
                        format!(
                            "{}({cap}) returned {ptr}, which is not inside its memory of {size} bytes",
                            abi::ALLOC
                        )
                    },
                    trace: Vec::new(),
                }));
            }
            v1.input = (ptr, cap);
        }
        let ptr = v1.input.0;
        v1.memory.view(store).write(u64::from(ptr), input).map_err(|e| {
            Failed::discard(Error::Trap {
                code: None,
                message: e.to_string(),
                trace: Vec::new(),
            })
        })?;
        env.as_mut(store).begin_record();
        let (outcome, signalled) = guarded(store, fuel.as_ref(), watch.as_ref(), limits, |store| {
            v1.process.call(store, ptr as i32, len as i32)
        });
        let host_env = env.as_mut(store);
        // Unfinished stdout/stderr lines go with this record's log lines, even when it failed.
        host_env.flush_stdio();
        host_env.in_record = false;
        let result = match outcome {
            Ok(result) => result,
            Err(trap) => {
                let error = match host_failure(Some(env), store, &trap) {
                    Some(error) => error,
                    None => classify_trap(store, fuel.as_ref(), memories, trap, signalled, limits),
                };
                return Err(Failed::discard(error));
            }
        };
        let read = |store: &Store, ptr: u32, len: u32| -> std::result::Result<Vec<u8>, Failed> {
            let view = v1.memory.view(store);
            let mut bytes = vec![0; len as usize];
            view.read(u64::from(ptr), &mut bytes)
                .map_err(|_| bad_result(ptr, len, view.data_size()))?;
            Ok(bytes)
        };
        // The output goes straight from guest memory into the reply, after its header.
        let output_into_reply =
            |store: &Store, reply: &mut Vec<u8>, ptr: u32, len: u32| -> std::result::Result<(), Failed> {
                let total = abi::REPLY_HEADER + len as usize;
                if reply.len() < total {
                    reply.resize(total, 0);
                }
                let view = v1.memory.view(store);
                view.read(u64::from(ptr), &mut reply[abi::REPLY_HEADER..total])
                    .map_err(|_| bad_result(ptr, len, view.data_size()))
            };
        // At most the size of the guest's memory, which the instance keeps anyway.
        let reply = &mut v1.reply;
        let (kind, len) = match abi::decode_result(result) {
            Decoded::None => (abi::outcome::NONE, 0),
            Decoded::Value { ptr, len } => {
                output_into_reply(store, reply, ptr, len)?;
                (abi::outcome::VALUE, len)
            }
            Decoded::Record { ptr, len } => {
                output_into_reply(store, reply, ptr, len)?;
                let record = &reply[abi::REPLY_HEADER..abi::REPLY_HEADER + len as usize];
                if !abi::valid_output_record(record) {
                    return Err(Failed {
                        error: Error::Guest(format!(
                            "{} returned a malformed output record ({len} bytes; see docs/abi.md)",
                            abi::PROCESS
                        )),
                        discard: false,
                    });
                }
                if let Some(refusal) = abi::refused_destination(record, &env.as_ref(store).spec) {
                    return Err(Failed {
                        error: Error::Guest(refusal),
                        discard: false,
                    });
                }
                (abi::outcome::RECORD, len)
            }
            Decoded::Error { ptr, len } => {
                let message = read(store, ptr, len)?;
                return Err(Failed {
                    error: Error::Guest(String::from_utf8_lossy(&message).into_owned()),
                    discard: false,
                });
            }
        };
        Ok(abi::finish_reply(reply, kind, len, &env.as_ref(store).effects))
    }

    /// The reply the last successful `process` built.
    fn reply(&self, len: usize) -> &[u8] {
        match &self.entry {
            LiveEntry::V1(v1) => &v1.reply[..len],
            LiveEntry::I64(_) => &[],
        }
    }

    /// The error for a trap: a limit when one caused it, the guest's own trap otherwise.
    #[cold]
    fn trap_error(&mut self, trap: RuntimeError, signalled: bool, limits: &Limits) -> Error {
        if let Some(error) = host_failure(self.env.as_ref(), &mut self.store, &trap) {
            return error;
        }
        classify_trap(
            &mut self.store,
            self.fuel.as_ref(),
            &self.memories,
            trap,
            signalled,
            limits,
        )
    }
}

/// The error of a trap that a Java host function's failure caused (kept in the env by
/// `abi::call_user`), if that is what happened.
#[cold]
fn host_failure(env: Option<&FunctionEnv<HostEnv>>, store: &mut Store, trap: &RuntimeError) -> Option<Error> {
    let (function, failure) = env?.as_mut(store).failure.take()?;
    Some(Error::HostFunction {
        function,
        message: failure.message,
        cause: failure.cause,
        trace: Error::trace_of(trap),
    })
}

/// A result of `pulsar_process` whose bytes are not inside the guest's memory of `size` bytes.
#[cold]
fn bad_result(ptr: u32, len: u32, size: u64) -> Failed {
    Failed::discard(Error::Trap {
        code: None,
        message: format!(
            "bad pointer from the guest: {} returned bytes at {ptr}..{} outside its memory of {size} bytes",
            abi::PROCESS,
            u64::from(ptr) + u64::from(len)
        ),
        trace: Vec::new(),
    })
}

/// Names the guest export a trap came from.
fn in_export(error: Error, export: &str) -> Error {
    match error {
        Error::Trap { code, message, trace } => Error::Trap {
            code,
            message: format!("in the guest's {export}: {message}"),
            trace,
        },
        other => other,
    }
}

/// The error for a trap: a limit when one caused it, the guest's own trap otherwise.
#[cold]
fn classify_trap(
    store: &mut Store,
    fuel: Option<&Fuel>,
    memories: &[Memory],
    trap: RuntimeError,
    signalled: bool,
    limits: &Limits,
) -> Error {
    if let Some(exit) = trap.downcast_ref::<crate::wasi::ProcExit>() {
        return Error::Exit {
            code: exit.0,
            trace: Error::trace_of(&trap),
        };
    }
    if trap.is::<crate::wasi::SleptToDeadline>() {
        if let Some(timeout) = limits.timeout {
            return Error::DeadlineExceeded {
                timeout,
                trace: Error::trace_of(&trap),
            };
        }
    }
    {
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
            if let Some(fuel) = fuel {
                if fuel.exhausted.get(store) == Value::I32(1) {
                    return Error::FuelExhausted {
                        fuel: limits.fuel_per_call.unwrap_or(u64::MAX),
                        trace: Error::trace_of(&trap),
                    };
                }
            }
        }
        let at_cap = memories
            .iter()
            .any(|memory| memory.view(store).size().0 >= limits.memory_pages);
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

/// A fresh store and instance of `def`'s module, with its host functions bound to a new env
/// when it imports any (or is a v1 guest, whose host functions need the memory).
pub fn new_instance(def: &FunctionDef) -> Result<(Store, Instance, Option<FunctionEnv<HostEnv>>)> {
    // Before the first store: see `crate::signals`.
    crate::signals::init()?;
    let mut store = Store::new(def.module.engine.clone());
    let needs_env = matches!(def.entry, Entry::V1 { .. }) || def.module.module.imports().next().is_some();
    let env = needs_env.then(|| {
        let mut host_env = HostEnv::new(def.spec.clone());
        host_env.collects_effects = matches!(def.entry, Entry::V1 { .. });
        FunctionEnv::new(&mut store, host_env)
    });
    let imports = match &env {
        Some(env) => abi::imports(&def.module, &mut store, env, &def.spec)?,
        None => wasmer::Imports::new(),
    };
    let instance = Instance::new(&mut store, &def.module.module, &imports).map_err(Error::from_instantiation)?;
    if let Some(env) = &env {
        if let Ok(memory) = instance.exports.get_memory("memory") {
            env.as_mut(&mut store).memory = Some(memory.clone());
        }
    }
    Ok((store, instance, env))
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

    /// Runs one record through a v1 guest and lends its reply to `on_reply`; a failed record's
    /// log lines and metrics go to the host before the error returns.
    fn process<R>(&self, input: &[u8], on_reply: impl FnOnce(&[u8]) -> R) -> Result<R> {
        let mut live = self.live.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        let instance = match &mut *live {
            Some(instance) => instance,
            empty => empty.insert(instantiate(&self.def)?),
        };
        match instance.process(&self.def.limits, input) {
            Ok(len) => Ok(on_reply(instance.reply(len))),
            Err(Failed { error, discard }) => {
                instance.deliver_diagnostics(&self.def);
                if discard {
                    *live = None;
                }
                Err(error)
            }
        }
    }
}

impl LiveInstance {
    /// Hands the log lines and metrics collected outside a successful record to the host.
    #[cold]
    fn deliver_diagnostics(&mut self, def: &FunctionDef) {
        let Some(env) = &self.env else { return };
        let diagnostics = env.as_mut(&mut self.store).effects.take_diagnostics();
        if let (Some(effects), Some(host)) = (diagnostics, &def.spec.host) {
            host_call(|| host.discarded(&effects));
        }
    }
}

#[cold]
#[inline(never)]
fn instantiate(def: &FunctionDef) -> Result<LiveInstance> {
    let (mut store, instance, env) = new_instance(def)?;
    let exports = &instance.exports;
    let typed_err = |e: wasmer::ExportError| Error::Instantiate(e.to_string());
    let entry = match &def.entry {
        Entry::I64 { export } => LiveEntry::I64(
            exports
                .get_typed_function::<i64, i64>(&store, export)
                .map_err(typed_err)?,
        ),
        Entry::V1 { has_free, .. } => LiveEntry::V1(V1Entry {
            process: exports.get_typed_function(&store, abi::PROCESS).map_err(typed_err)?,
            alloc: exports.get_typed_function(&store, abi::ALLOC).map_err(typed_err)?,
            free: match has_free {
                true => Some(exports.get_typed_function(&store, abi::FREE).map_err(typed_err)?),
                false => None,
            },
            memory: exports.get_memory("memory").map_err(typed_err)?.clone(),
            input: (0, 0),
            reply: Vec::new(),
        }),
    };
    let fuel = if def.module.config.metered {
        let global = |name: &str| {
            exports
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
    if let Some(env) = &env {
        env.as_mut(&mut store).watch = watch.clone();
    }
    let memories = exports
        .iter()
        .filter_map(|(_, export)| match export {
            wasmer::Extern::Memory(memory) => Some(memory.clone()),
            _ => None,
        })
        .collect();
    INSTANCES.fetch_add(1, Ordering::Relaxed);
    let mut live = LiveInstance {
        store,
        entry,
        env,
        fuel,
        watch,
        memories,
    };
    let mut init = || -> Result<()> {
        if def.module.has_start {
            run_export(
                &mut live,
                &instance,
                &def.limits,
                module::START_EXPORT,
                "the module's start function",
            )?;
        }
        // A reactor's initializer (WASI libc, Go's runtime, ...), for either kind of guest.
        if instance.exports.get_function(abi::INITIALIZE).is_ok() {
            run_export(&mut live, &instance, &def.limits, abi::INITIALIZE, abi::INITIALIZE)?;
        }
        Ok(())
    };
    let outcome = init();
    if let Some(env) = &live.env {
        env.as_mut(&mut live.store).flush_stdio();
    }
    // Log lines of the start function or `_initialize` are not lost, whatever the outcome.
    live.deliver_diagnostics(def);
    outcome.map(|()| live)
}

/// Calls a `() -> ()` export once (the start function, `_initialize`) under the limits of a call.
#[cold]
fn run_export(live: &mut LiveInstance, instance: &Instance, limits: &Limits, export: &str, what: &str) -> Result<()> {
    let function = instance
        .exports
        .get_typed_function::<(), ()>(&live.store, export)
        .map_err(|e| Error::Instantiate(format!("{what} cannot be called: {e}")))?;
    let (outcome, signalled) = guarded(
        &mut live.store,
        live.fuel.as_ref(),
        live.watch.as_ref(),
        limits,
        |store| function.call(store),
    );
    match outcome {
        Ok(()) => Ok(()),
        Err(trap) => Err(match live.trap_error(trap, signalled, limits) {
            Error::Trap { code, message, trace } => Error::Trap {
                code,
                message: format!("in {what}: {message}"),
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
    /// Set while a host function of a guest on this thread runs embedder code (Java): no wasm
    /// call may start then. Nesting one guest's call inside another's on one thread would put
    /// two deadline calls on one thread, and a guest's allocator could be entered again.
    in_host_call: Cell<bool>,
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
    static LOCAL: RefCell<Local> = const {
        RefCell::new(Local { entries: Vec::new(), seen_unloads: 0, in_host_call: Cell::new(false) })
    };
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
            if local.seen_unloads != UNLOADS.load(Ordering::Acquire) || local.in_host_call.get() {
                return None; // the slow path sweeps, or refuses the call
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
        if local.in_host_call.get() {
            return Err(Error::Reentrant);
        }
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

/// Runs a v1 guest's record (`docs/abi.md`) on this thread's instance: `input` is the raw value
/// or the record envelope; returns the reply (`abi::finish_reply`).
pub fn process(handle: Handle, input: &[u8]) -> Result<Vec<u8>> {
    process_with(handle, input, <[u8]>::to_vec)
}

/// [`process`], lending the reply to `on_reply` instead of copying it (the reply buffer is the
/// instance's, reused record after record). `on_reply` must not call into wasm.
pub fn process_with<R>(handle: Handle, input: &[u8], on_reply: impl FnOnce(&[u8]) -> R) -> Result<R> {
    let instance = match cached_instance(handle) {
        Some(instance) => instance,
        None => thread_instance(handle)?,
    };
    instance.process(input, on_reply)
}

/// Runs `f` (embedder code called by a host function) with wasm calls on this thread refused.
pub(crate) fn host_call<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            set_in_host_call(self.0);
        }
    }
    let _reset = Reset(set_in_host_call(true));
    f()
}

/// Sets the flag, returning its previous value.
fn set_in_host_call(value: bool) -> bool {
    LOCAL
        .try_with(|cell| {
            cell.try_borrow()
                .map(|local| local.in_host_call.replace(value))
                .unwrap_or(false)
        })
        .unwrap_or(false)
}
