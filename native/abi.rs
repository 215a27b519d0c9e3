//! The guest ABI, version 1 (`docs/abi.md`): which entry a module has, the host functions of
//! `pulsar_v1` and `pulsar_user`, the per-record effect list, and the reply that carries a
//! record's result and effects to Java in one crossing.

#![forbid(unsafe_code)]

use std::sync::Arc;

use wasmer::{
    AsStoreMut, AsStoreRef, ExternType, Function, FunctionEnv, FunctionEnvMut, FunctionType, Imports, Memory,
    RuntimeError, Store, Type,
};

use crate::error::{Error, Result};
use crate::host::{normalize_topic, HostFailure, HostSpec, Shape};
use crate::module::CompiledModule;

pub const MARKER_PREFIX: &str = "pulsar_abi_version_";
pub const MARKER: &str = "pulsar_abi_version_1";
pub const WANTS_RECORD: &str = "pulsar_wants_record";
pub const PROCESS: &str = "pulsar_process";
pub const ALLOC: &str = "pulsar_alloc";
pub const FREE: &str = "pulsar_free";
pub const INITIALIZE: &str = "_initialize";
/// A WASI command's entry, refused: see `entry_of`.
pub const START: &str = "_start";
pub const HOST_MODULE: &str = "pulsar_v1";
pub const USER_MODULE: &str = "pulsar_user";

/// Status codes host functions return (docs/abi.md).
pub mod status {
    pub const OK: i32 = 0;
    pub const NOT_FOUND: i32 = -1;
    pub const BAD_ARGUMENT: i32 = -2;
    pub const NOT_PERMITTED: i32 = -3;
    pub const UNAVAILABLE: i32 = -4;
    pub const HOST_ERROR: i32 = -5;
    pub const TOO_LARGE: i32 = -6;
}

/// Effect tags in a reply (read by `WasmProcessor.java`; keep in sync).
pub mod tag {
    pub const LOG: u8 = 1;
    pub const METRIC: u8 = 2;
    pub const STATE_PUT: u8 = 3;
    pub const STATE_DELETE: u8 = 4;
    pub const COUNTER: u8 = 5;
    pub const PUBLISH: u8 = 6;
}

/// What `pulsar_process` returned, the first byte of a reply.
pub mod outcome {
    pub const NONE: u8 = 0;
    pub const VALUE: u8 = 1;
    pub const RECORD: u8 = 2;
}

pub const MAX_EFFECTS: u32 = 10_000;
pub const MAX_EFFECT_BYTES: usize = 16 << 20;
pub const MAX_LOG_LINE: usize = 8 << 10;
/// The smallest input buffer the host asks for.
pub const MIN_INPUT_BUFFER: u32 = 1024;
/// Lengths in a result are 30 bits.
pub const MAX_RESULT_LEN: u64 = (1 << 30) - 1;

/// How a module is entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// v0: an export `(i64) -> i64`.
    I64 { export: String },
    /// v1: `pulsar_process` over bytes or a record envelope.
    V1 { wants_record: bool, has_free: bool },
}

/// The entry of `module`: v1 when `export` is `None`, v0 `export` otherwise. Checks the marker,
/// the exports the entry needs, and every import against what `spec` provides.
pub fn entry_of(module: &CompiledModule, export: Option<&str>, spec: &HostSpec) -> Result<Entry> {
    let exports = module.export_names();
    if exports.iter().any(|e| e == START) && !exports.iter().any(|e| e == INITIALIZE) {
        return Err(Error::Abi(format!(
            "the module is a WASI command (it exports {START}, which runs main once and exits), not a reactor whose \
             functions can be called record after record. Build it as a reactor: Go with \
             `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared` and //go:wasmexport; C/C++ with \
             `-mexec-model=reactor`; Rust with `crate-type = [\"cdylib\"]`"
        )));
    }
    let markers: Vec<&String> = exports.iter().filter(|e| e.starts_with(MARKER_PREFIX)).collect();
    let entry = match export {
        Some(export) => {
            if !markers.is_empty() {
                return Err(Error::Abi(format!(
                    "the module is a bytes/record guest (it exports {}): load it as a WasmProcessor, not as a function of numbers",
                    markers.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
            module.check_export(export, &[Type::I64], &[Type::I64])?;
            Entry::I64 {
                export: export.to_owned(),
            }
        }
        None => {
            if !exports.iter().any(|e| e == MARKER) {
                return Err(Error::Abi(if let Some(other) = markers.first() {
                    format!(
                        "the module was built for another guest ABI (it exports {other}); this library supports version 1 \
                         (pulsar_abi_version_1): rebuild it with an SDK of this version"
                    )
                } else if exports.iter().any(|e| e == PROCESS) {
                    format!("the module exports {PROCESS} but not the ABI marker {MARKER}: build it with the SDK, or export an empty function of that name")
                } else {
                    format!(
                        "the module is not a bytes/record guest: it does not export {MARKER} (its exports: {}). \
                         A guest of numbers, apply: (i64) -> i64, is loaded as a WasmFunction",
                        if exports.is_empty() {
                            "none".to_owned()
                        } else {
                            exports.join(", ")
                        }
                    )
                }));
            }
            module.check_export(MARKER, &[], &[])?;
            module.check_export(PROCESS, &[Type::I32, Type::I32], &[Type::I64])?;
            module.check_export(ALLOC, &[Type::I32], &[Type::I32])?;
            check_memory(module)?;
            let has = |name: &str| exports.iter().any(|e| e == name);
            if has(FREE) {
                module.check_export(FREE, &[Type::I32, Type::I32], &[])?;
            }
            if has(WANTS_RECORD) {
                module.check_export(WANTS_RECORD, &[], &[])?;
            }
            if has(INITIALIZE) {
                module.check_export(INITIALIZE, &[], &[])?;
            }
            Entry::V1 {
                wants_record: has(WANTS_RECORD),
                has_free: has(FREE),
            }
        }
    };
    check_imports(module, &entry, spec)?;
    Ok(entry)
}

fn check_memory(module: &CompiledModule) -> Result<()> {
    match module
        .module
        .exports()
        .find(|e| e.name() == "memory")
        .map(|e| e.ty().clone())
    {
        Some(ExternType::Memory(_)) => Ok(()),
        _ => Err(Error::Abi(
            "the module must export its linear memory as `memory`: host functions that take pointers read it"
                .to_owned(),
        )),
    }
}

/// Every import must be a host function of `pulsar_v1` (v1 guests only) or a registered Java
/// host function of `pulsar_user`, with the right type.
fn check_imports(module: &CompiledModule, entry: &Entry, spec: &HostSpec) -> Result<()> {
    crate::signals::init()?;
    let mut store = Store::new(module.engine.clone());
    let env = FunctionEnv::new(&mut store, HostEnv::new(Arc::new(HostSpec::default())));
    let mut unresolved = Vec::new();
    let mut needs_memory = false;
    for import in module.module.imports() {
        let (namespace, name) = (import.module(), import.name());
        let ExternType::Function(actual) = import.ty() else {
            unresolved.push(format!(
                "{namespace}.{name}: {}",
                crate::module::describe_extern(import.ty())
            ));
            continue;
        };
        let expected = match namespace {
            HOST_MODULE => {
                if !matches!(entry, Entry::V1 { .. }) {
                    return Err(Error::Abi(format!(
                        "the module imports {namespace}.{name}, but the host functions of {HOST_MODULE} serve bytes/record guests \
                         (pulsar_process) only; a function of numbers may import Java host functions ({USER_MODULE}) only"
                    )));
                }
                match builtin(name, &mut store, &env) {
                    Some(func) => func.ty(&store),
                    None => {
                        return Err(Error::Abi(format!(
                            "the module imports {namespace}.{name}, which this host does not have (a guest built for a newer \
                             pulsar-wasm?); {HOST_MODULE} provides: {}",
                            BUILTINS.join(", ")
                        )))
                    }
                }
            }
            USER_MODULE => match spec.function(name) {
                Some((_, function)) => {
                    needs_memory |= function.shape == Shape::Bytes;
                    function.shape.wasm_type()
                }
                None => {
                    return Err(Error::Abi(format!(
                        "the module imports the host function {namespace}.{name}, which is not registered ({}): register it \
                         on the builder, or in Pulsar under wasm.hostFunctions",
                        spec.describe_functions()
                    )))
                }
            },
            crate::wasi::MODULE => {
                needs_memory = true;
                match crate::wasi::signature(name) {
                    Some(ty) => ty,
                    None => {
                        return Err(Error::Abi(format!(
                            "the module imports {namespace}.{name}, which is not a function of WASI preview 1 (a guest built \
                             for another WASI version, or for WASIX?); preview 1 has: {}",
                            crate::wasi::names().collect::<Vec<_>>().join(", ")
                        )))
                    }
                }
            }
            _ => {
                unresolved.push(format!("{namespace}.{name}: {}", crate::module::describe_extern(import.ty())));
                continue;
            }
        };
        if *actual != expected {
            return Err(Error::Abi(format!(
                "the module imports {namespace}.{name} with the wrong type: the host provides func {}, the module expects func {}",
                crate::module::describe_func(&expected),
                crate::module::describe_func(actual)
            )));
        }
    }
    if !unresolved.is_empty() {
        return Err(Error::UnresolvedImport { imports: unresolved });
    }
    if needs_memory {
        check_memory(module)?;
    }
    Ok(())
}

/// The imports of one instance: the host functions its module imports, bound to `env`.
pub fn imports(
    module: &CompiledModule,
    store: &mut Store,
    env: &FunctionEnv<HostEnv>,
    spec: &HostSpec,
) -> Result<Imports> {
    let mut imports = Imports::new();
    for import in module.module.imports() {
        let (namespace, name) = (import.module(), import.name());
        let function = match namespace {
            HOST_MODULE => builtin(name, store, env),
            USER_MODULE => spec
                .function(name)
                .map(|(index, f)| user_function(index, f.shape, store, env)),
            crate::wasi::MODULE => crate::wasi::function(name, store, env),
            _ => None,
        };
        // `entry_of` checked every import when the function was loaded.
        let function = function.ok_or_else(|| Error::UnresolvedImport {
            imports: vec![format!("{namespace}.{name}")],
        })?;
        imports.define(namespace, name, function);
    }
    Ok(imports)
}

/// Per-instance state the host functions see.
pub struct HostEnv {
    pub(crate) spec: Arc<HostSpec>,
    pub(crate) memory: Option<Memory>,
    /// Inside `pulsar_process`: effects are collected only there.
    pub(crate) in_record: bool,
    pub(crate) effects: Effects,
    /// A value too large for the guest's buffer, for `result_get`.
    pending: Option<Vec<u8>>,
    /// A Java host function's failure: the call traps, and this becomes the error.
    pub(crate) failure: Option<(String, HostFailure)>,
    /// WASI stdio of this instance.
    pub(crate) stdio: crate::wasi::Stdio,
    /// The instance's deadline watch, if its function has a timeout: a WASI sleep ends at the
    /// call's deadline.
    pub(crate) watch: Option<Arc<crate::deadline::Watch>>,
    /// Whether effects are collected (a bytes/record guest); a function of numbers has nowhere
    /// to deliver them.
    pub(crate) collects_effects: bool,
}

impl HostEnv {
    pub fn new(spec: Arc<HostSpec>) -> HostEnv {
        HostEnv {
            spec,
            memory: None,
            in_record: false,
            effects: Effects::default(),
            pending: None,
            failure: None,
            stdio: crate::wasi::Stdio::default(),
            watch: None,
            collects_effects: true,
        }
    }

    /// A line the guest wrote to stdout or stderr (WASI): a log effect (of the record, or of
    /// start-up), or for a function of numbers a line of this library's log.
    pub(crate) fn guest_output(&mut self, level: u8, line: &[u8]) {
        if self.collects_effects {
            self.effects.push(tag::LOG, &[Part::U8(level), Part::Bytes(line)], true);
        } else {
            let line = String::from_utf8_lossy(line);
            match level {
                2 => log::info!(target: "pulsar_wasm::guest", "{line}"),
                _ => log::warn!(target: "pulsar_wasm::guest", "{line}"),
            }
        }
    }

    /// Clears what a record left behind, before the next one.
    pub(crate) fn begin_record(&mut self) {
        self.effects.clear();
        self.pending = None;
        self.failure = None;
        self.in_record = true;
    }
}

/// A record's effects, encoded as in a reply, and its pending state for read-your-writes.
#[derive(Default)]
pub struct Effects {
    pub(crate) all: Vec<u8>,
    pub(crate) count: u32,
    /// Log lines and metrics only: what a failed record still delivers.
    diagnostics: Vec<u8>,
    diagnostic_count: u32,
    state: Vec<(String, Option<Vec<u8>>)>,
    counters: Vec<(String, i64)>,
}

impl Effects {
    fn clear(&mut self) {
        self.all.clear();
        self.count = 0;
        self.diagnostics.clear();
        self.diagnostic_count = 0;
        self.state.clear();
        self.counters.clear();
    }

    /// The log lines and metrics collected so far, as an effect list (count, then effects),
    /// or `None` when there are none; they are taken, not copied.
    pub(crate) fn take_diagnostics(&mut self) -> Option<Vec<u8>> {
        if self.diagnostic_count == 0 {
            return None;
        }
        let mut list = Vec::with_capacity(4 + self.diagnostics.len());
        list.extend_from_slice(&self.diagnostic_count.to_le_bytes());
        list.append(&mut self.diagnostics);
        self.diagnostic_count = 0;
        Some(list)
    }

    /// Appends one effect made of `parts`; `false` when the record's effects are at their cap.
    fn push(&mut self, tag: u8, parts: &[Part<'_>], diagnostic: bool) -> bool {
        let size: usize = 1 + parts.iter().map(Part::size).sum::<usize>();
        if self.count >= MAX_EFFECTS || self.all.len() + size > MAX_EFFECT_BYTES {
            return false;
        }
        self.count += 1;
        encode(&mut self.all, tag, parts);
        if diagnostic {
            self.diagnostic_count += 1;
            encode(&mut self.diagnostics, tag, parts);
        }
        true
    }
}

enum Part<'a> {
    U8(u8),
    I64(i64),
    Bytes(&'a [u8]),
}

impl Part<'_> {
    fn size(&self) -> usize {
        match self {
            Part::U8(_) => 1,
            Part::I64(_) => 8,
            Part::Bytes(bytes) => 4 + bytes.len(),
        }
    }
}

fn encode(out: &mut Vec<u8>, tag: u8, parts: &[Part<'_>]) {
    out.push(tag);
    for part in parts {
        match part {
            Part::U8(v) => out.push(*v),
            Part::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
            Part::Bytes(bytes) => {
                out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                out.extend_from_slice(bytes);
            }
        }
    }
}

/// Bytes before the output in a reply: the outcome and the output's length.
pub const REPLY_HEADER: usize = 5;

/// Completes a reply whose output (`len` bytes) is already in place after the header: writes
/// the header, then the effects. Returns the reply's length (`reply` may be longer: it is
/// reused). Layout: outcome u8, output length u32, output, effect count u32, effects.
pub fn finish_reply(reply: &mut Vec<u8>, kind: u8, len: u32, effects: &Effects) -> usize {
    let output_end = REPLY_HEADER + len as usize;
    let total = output_end + 4 + effects.all.len();
    if reply.len() < total {
        reply.resize(total, 0);
    }
    reply[0] = kind;
    reply[1..REPLY_HEADER].copy_from_slice(&len.to_le_bytes());
    reply[output_end..output_end + 4].copy_from_slice(&effects.count.to_le_bytes());
    reply[output_end + 4..total].copy_from_slice(&effects.all);
    total
}

/// How `pulsar_process`'s result reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoded {
    None,
    Value { ptr: u32, len: u32 },
    Record { ptr: u32, len: u32 },
    Error { ptr: u32, len: u32 },
}

pub fn decode_result(r: i64) -> Decoded {
    let bits = r as u64;
    let ptr = bits as u32;
    let len = ((bits >> 32) & MAX_RESULT_LEN) as u32;
    if r == 0 {
        Decoded::None
    } else if bits >> 63 == 1 {
        Decoded::Error { ptr, len }
    } else if (bits >> 62) & 1 == 1 {
        Decoded::Record { ptr, len }
    } else {
        Decoded::Value { ptr, len }
    }
}

// ------------------------------------------------------------------------------ host functions

type Env<'a> = FunctionEnvMut<'a, HostEnv>;
type Status = std::result::Result<i32, RuntimeError>;

/// The names `pulsar_v1` provides, for error messages.
pub const BUILTINS: &[&str] = &[
    "log",
    "config_get",
    "state_get",
    "state_put",
    "state_delete",
    "counter_incr",
    "counter_get",
    "metric",
    "publish",
    "result_get",
];

fn builtin(name: &str, store: &mut impl AsStoreMut, env: &FunctionEnv<HostEnv>) -> Option<Function> {
    Some(match name {
        "log" => Function::new_typed_with_env(store, env, log),
        "config_get" => Function::new_typed_with_env(store, env, config_get),
        "state_get" => Function::new_typed_with_env(store, env, state_get),
        "state_put" => Function::new_typed_with_env(store, env, state_put),
        "state_delete" => Function::new_typed_with_env(store, env, state_delete),
        "counter_incr" => Function::new_typed_with_env(store, env, counter_incr),
        "counter_get" => Function::new_typed_with_env(store, env, counter_get),
        "metric" => Function::new_typed_with_env(store, env, metric),
        "publish" => Function::new_typed_with_env(store, env, publish),
        "result_get" => Function::new_typed_with_env(store, env, result_get),
        _ => return None,
    })
}

/// Reads `len` bytes at `ptr` of the guest's memory; out of bounds traps (a guest bug).
fn read(env: &Env<'_>, ptr: i32, len: i32, what: &str) -> std::result::Result<Vec<u8>, RuntimeError> {
    let memory = env.data().memory.as_ref().ok_or_else(no_memory)?;
    let (ptr, len) = (ptr as u32, len as u32);
    let view = memory.view(env);
    let mut bytes = vec![0; len as usize];
    view.read(u64::from(ptr), &mut bytes)
        .map_err(|_| out_of_bounds(what, ptr, len, view.data_size()))?;
    Ok(bytes)
}

fn read_str(env: &Env<'_>, ptr: i32, len: i32, what: &str) -> std::result::Result<Option<String>, RuntimeError> {
    Ok(String::from_utf8(read(env, ptr, len, what)?).ok())
}

fn write(env: &Env<'_>, ptr: i32, bytes: &[u8], what: &str) -> std::result::Result<(), RuntimeError> {
    let memory = env.data().memory.as_ref().ok_or_else(no_memory)?;
    let view = memory.view(env);
    view.write(u64::from(ptr as u32), bytes)
        .map_err(|_| out_of_bounds(what, ptr as u32, bytes.len() as u32, view.data_size()))
}

fn no_memory() -> RuntimeError {
    RuntimeError::new("the module exports no memory named `memory`, which host functions that take pointers need")
}

fn out_of_bounds(what: &str, ptr: u32, len: u32, size: u64) -> RuntimeError {
    RuntimeError::new(format!(
        "bad pointer from the guest: {what} at {ptr}..{} is outside its memory of {size} bytes",
        u64::from(ptr) + u64::from(len)
    ))
}

/// The out-buffer convention: copies `value` when it fits in `(buf, cap)`, else keeps it for
/// `result_get`; returns its full length.
fn answer(env: &mut Env<'_>, buf: i32, cap: i32, value: Vec<u8>) -> Status {
    let Ok(len) = i32::try_from(value.len()) else {
        return Ok(status::TOO_LARGE);
    };
    if value.len() <= cap as u32 as usize {
        write(env, buf, &value, "the result buffer")?;
    } else {
        // Checked now, so a bad buffer traps whether or not the value fits.
        read(env, buf, 0, "the result buffer")?;
        env.data_mut().pending = Some(value);
    }
    Ok(len)
}

/// Returns `Some(status)` when a capability is missing, logging the first refusal.
fn refuse(env: &mut Env<'_>, kind: usize, message: impl FnOnce() -> String) -> i32 {
    let data = env.data_mut();
    if data.spec.first_refusal(kind) {
        let line = message();
        data.effects
            .push(tag::LOG, &[Part::U8(3), Part::Bytes(line.as_bytes())], true);
    }
    status::NOT_PERMITTED
}

fn log(mut env: Env<'_>, level: i32, ptr: i32, len: i32) -> Status {
    let mut line = read(&env, ptr, len, "the log line")?;
    if !(0..=4).contains(&level) {
        return Ok(status::BAD_ARGUMENT);
    }
    line.truncate(MAX_LOG_LINE);
    let pushed = env
        .data_mut()
        .effects
        .push(tag::LOG, &[Part::U8(level as u8), Part::Bytes(&line)], true);
    Ok(if pushed { status::OK } else { status::TOO_LARGE })
}

fn config_get(mut env: Env<'_>, kptr: i32, klen: i32, buf: i32, cap: i32) -> Status {
    let Some(key) = read_str(&env, kptr, klen, "the config key")? else {
        return Ok(status::BAD_ARGUMENT);
    };
    match env.data().spec.config.get(&key).cloned() {
        Some(value) => answer(&mut env, buf, cap, value),
        None => Ok(status::NOT_FOUND),
    }
}

/// The key of a state call, or the status to return instead.
fn state_key(
    env: &mut Env<'_>,
    kptr: i32,
    klen: i32,
    what: &str,
) -> std::result::Result<std::result::Result<String, i32>, RuntimeError> {
    let key = read_str(env, kptr, klen, "the state key")?;
    if !env.data().spec.grants.state {
        let what = what.to_owned();
        return Ok(Err(refuse(env, 0, || {
            format!("the guest called {what}, but this function was not granted state (grant it with wasm.grant.state=true); the call returned NOT_PERMITTED")
        })));
    }
    if !env.data().in_record {
        return Ok(Err(status::UNAVAILABLE));
    }
    Ok(key.ok_or(status::BAD_ARGUMENT))
}

fn state_get(mut env: Env<'_>, kptr: i32, klen: i32, buf: i32, cap: i32) -> Status {
    let key = match state_key(&mut env, kptr, klen, "state_get")? {
        Ok(key) => key,
        Err(status) => return Ok(status),
    };
    let pending = env
        .data()
        .effects
        .state
        .iter()
        .rev()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.clone());
    let value = match pending {
        Some(value) => value,
        None => match read_from_host(&mut env, "state_get", |host| host.state_get(&key)) {
            Ok(value) => value,
            Err(status) => return Ok(status),
        },
    };
    match value {
        Some(value) => answer(&mut env, buf, cap, value),
        None => Ok(status::NOT_FOUND),
    }
}

/// A synchronous read from the embedder; its failure is `HOST_ERROR` for the guest and a
/// log line for the function.
fn read_from_host<T>(
    env: &mut Env<'_>,
    what: &str,
    read: impl FnOnce(&dyn crate::host::Host) -> std::result::Result<T, HostFailure>,
) -> std::result::Result<T, i32> {
    let Some(host) = env.data().spec.host.clone() else {
        return Err(status::UNAVAILABLE);
    };
    match crate::function::host_call(|| read(&*host)) {
        Ok(value) => Ok(value),
        Err(failure) => {
            let line = format!("{what} failed: {}", failure.message);
            env.data_mut()
                .effects
                .push(tag::LOG, &[Part::U8(3), Part::Bytes(line.as_bytes())], true);
            Err(status::HOST_ERROR)
        }
    }
}

fn state_put(mut env: Env<'_>, kptr: i32, klen: i32, vptr: i32, vlen: i32) -> Status {
    let value = read(&env, vptr, vlen, "the state value")?;
    let key = match state_key(&mut env, kptr, klen, "state_put")? {
        Ok(key) => key,
        Err(status) => return Ok(status),
    };
    let effects = &mut env.data_mut().effects;
    if !effects.push(
        tag::STATE_PUT,
        &[Part::Bytes(key.as_bytes()), Part::Bytes(&value)],
        false,
    ) {
        return Ok(status::TOO_LARGE);
    }
    effects.state.push((key, Some(value)));
    Ok(status::OK)
}

fn state_delete(mut env: Env<'_>, kptr: i32, klen: i32) -> Status {
    let key = match state_key(&mut env, kptr, klen, "state_delete")? {
        Ok(key) => key,
        Err(status) => return Ok(status),
    };
    let effects = &mut env.data_mut().effects;
    if !effects.push(tag::STATE_DELETE, &[Part::Bytes(key.as_bytes())], false) {
        return Ok(status::TOO_LARGE);
    }
    effects.state.push((key, None));
    Ok(status::OK)
}

fn counter_incr(mut env: Env<'_>, kptr: i32, klen: i32, delta: i64) -> Status {
    let key = match state_key(&mut env, kptr, klen, "counter_incr")? {
        Ok(key) => key,
        Err(status) => return Ok(status),
    };
    let effects = &mut env.data_mut().effects;
    if !effects.push(tag::COUNTER, &[Part::Bytes(key.as_bytes()), Part::I64(delta)], false) {
        return Ok(status::TOO_LARGE);
    }
    match effects.counters.iter_mut().find(|(k, _)| *k == key) {
        Some((_, sum)) => *sum = sum.wrapping_add(delta),
        None => effects.counters.push((key, delta)),
    }
    Ok(status::OK)
}

fn counter_get(mut env: Env<'_>, kptr: i32, klen: i32, out: i32) -> Status {
    // The out pointer is checked first, so a bad one traps whatever the capabilities.
    read(&env, out, 8, "the counter's out pointer")?;
    let key = match state_key(&mut env, kptr, klen, "counter_get")? {
        Ok(key) => key,
        Err(status) => return Ok(status),
    };
    let stored = match read_from_host(&mut env, "counter_get", |host| host.counter_get(&key)) {
        Ok(value) => value,
        Err(status) => return Ok(status),
    };
    let pending = env
        .data()
        .effects
        .counters
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(0, |(_, v)| *v);
    write(
        &env,
        out,
        &stored.wrapping_add(pending).to_le_bytes(),
        "the counter's out pointer",
    )?;
    Ok(status::OK)
}

fn metric(mut env: Env<'_>, nptr: i32, nlen: i32, value: f64) -> Status {
    let Some(name) = read_str(&env, nptr, nlen, "the metric name")? else {
        return Ok(status::BAD_ARGUMENT);
    };
    if !env.data().in_record {
        return Ok(status::UNAVAILABLE);
    }
    let pushed = env.data_mut().effects.push(
        tag::METRIC,
        &[Part::Bytes(name.as_bytes()), Part::I64(value.to_bits() as i64)],
        true,
    );
    Ok(if pushed { status::OK } else { status::TOO_LARGE })
}

fn publish(mut env: Env<'_>, tptr: i32, tlen: i32, ptr: i32, len: i32, flags: i32) -> Status {
    let payload = read(&env, ptr, len, "the published bytes")?;
    let Some(topic) = read_str(&env, tptr, tlen, "the topic")? else {
        return Ok(status::BAD_ARGUMENT);
    };
    let Some(topic) = normalize_topic(&topic) else {
        return Ok(status::BAD_ARGUMENT);
    };
    if !env.data().spec.grants.may_publish(&topic) {
        return Ok(refuse(&mut env, 1, || {
            format!("the guest tried to publish to {topic}, which this function was not granted (grant topics or prefixes* with wasm.grant.publish); the call returned NOT_PERMITTED")
        }));
    }
    if !env.data().in_record {
        return Ok(status::UNAVAILABLE);
    }
    let record = flags & 1 == 1;
    if record && !valid_output_record(&payload) {
        return Ok(status::BAD_ARGUMENT);
    }
    let pushed = env.data_mut().effects.push(
        tag::PUBLISH,
        &[
            Part::Bytes(topic.as_bytes()),
            Part::U8(u8::from(record)),
            Part::Bytes(&payload),
        ],
        false,
    );
    Ok(if pushed { status::OK } else { status::TOO_LARGE })
}

fn result_get(mut env: Env<'_>, buf: i32, cap: i32) -> Status {
    match env.data_mut().pending.take() {
        Some(value) => answer(&mut env, buf, cap, value),
        None => Ok(status::NOT_FOUND),
    }
}

fn user_function(index: usize, shape: Shape, store: &mut impl AsStoreMut, env: &FunctionEnv<HostEnv>) -> Function {
    match shape {
        Shape::Long => Function::new_typed_with_env(store, env, move |mut env: Env<'_>, a: i64| {
            call_user(&mut env, index, |host| host.call_long(index, &[a]))
        }),
        Shape::Long2 => Function::new_typed_with_env(store, env, move |mut env: Env<'_>, a: i64, b: i64| {
            call_user(&mut env, index, |host| host.call_long(index, &[a, b]))
        }),
        Shape::Bytes => Function::new_typed_with_env(
            store,
            env,
            move |mut env: Env<'_>, ptr: i32, len: i32, buf: i32, cap: i32| -> Status {
                let input = read(&env, ptr, len, "the host function's input")?;
                read(&env, buf, 0, "the host function's result buffer")?;
                match call_user(&mut env, index, |host| host.call_bytes(index, &input))? {
                    Some(value) => answer(&mut env, buf, cap, value),
                    None => Ok(status::NOT_FOUND),
                }
            },
        ),
    }
}

/// Calls a Java host function; its failure traps the guest and is kept as the call's error.
fn call_user<T>(
    env: &mut Env<'_>,
    index: usize,
    call: impl FnOnce(&dyn crate::host::Host) -> std::result::Result<T, HostFailure>,
) -> std::result::Result<T, RuntimeError> {
    let spec = env.data().spec.clone();
    let name = spec.functions.get(index).map_or("?", |f| f.name.as_str());
    let Some(host) = spec.host.as_ref() else {
        return Err(RuntimeError::new(format!("host function {name}: no host to call")));
    };
    match crate::function::host_call(|| call(&**host)) {
        Ok(value) => Ok(value),
        Err(failure) => {
            let message = format!("host function {USER_MODULE}.{name} failed: {}", failure.message);
            env.data_mut().failure = Some((name.to_owned(), failure));
            Err(RuntimeError::new(message))
        }
    }
}

/// Whether `bytes` is an output-record envelope this host reads (version 1, all lengths
/// inside). Checked where the guest hands one over, so Java never sees a malformed one.
pub fn valid_output_record(bytes: &[u8]) -> bool {
    let mut at = 12;
    if bytes.len() < at || bytes[0] != 1 {
        return false;
    }
    let field = |at: &mut usize| -> bool {
        let Some(len) = bytes.get(*at..*at + 4) else {
            return false;
        };
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        *at += 4;
        match at.checked_add(len) {
            Some(end) if end <= bytes.len() => {
                *at = end;
                true
            }
            _ => false,
        }
    };
    if !(field(&mut at) && field(&mut at) && field(&mut at)) {
        return false;
    }
    let Some(count) = bytes.get(at..at + 4) else {
        return false;
    };
    let count = u32::from_le_bytes([count[0], count[1], count[2], count[3]]);
    at += 4;
    (0..count).all(|_| field(&mut at) && field(&mut at))
}

/// The destination topic of a valid output-record envelope, when its flag is set.
pub fn output_destination(bytes: &[u8]) -> Option<&[u8]> {
    let flags = u16::from_le_bytes([*bytes.get(2)?, *bytes.get(3)?]);
    if flags & 4 == 0 {
        return None;
    }
    let mut at = 12;
    let mut field = || -> Option<&[u8]> {
        let len = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let field = bytes.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some(field)
    };
    field()?; // value
    field()?; // key
    field()
}

/// Why an output record may not go where it asks to: the destination topic is malformed or
/// not granted.
pub fn refused_destination(bytes: &[u8], spec: &HostSpec) -> Option<String> {
    let destination = output_destination(bytes)?;
    let Some(topic) = std::str::from_utf8(destination).ok().and_then(normalize_topic) else {
        return Some(format!(
            "{PROCESS} returned an output record for a malformed destination topic `{}`",
            String::from_utf8_lossy(destination)
        ));
    };
    (!spec.grants.may_publish(&topic)).then(|| {
        format!(
            "{PROCESS} returned an output record for {topic}, which this function was not granted (wasm.grant.publish)"
        )
    })
}

/// The type of a typed host function, for tests.
pub fn builtin_type(name: &str, store: &mut Store) -> Option<FunctionType> {
    let env = FunctionEnv::new(store, HostEnv::new(Arc::new(HostSpec::default())));
    builtin(name, store, &env).map(|f| f.ty(&store.as_store_ref()))
}
