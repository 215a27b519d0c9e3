//! Compiling guests: one [`Engine`] per compiled module, and modules cached by content hash.
//!
//! wasmer keeps a module's machine code in the engine that compiled it, for the engine's whole
//! life. A process-wide engine would therefore keep the code of every module ever compiled, so
//! each [`CompiledModule`] owns an engine of its own: the code is unmapped when the last
//! function and the last instance using the module are gone. (It also keeps one failed compile,
//! which poisons its engine's lock, from breaking every later one.)
//!
//! An engine per module is also what makes fuel possible: wasmer's metering middleware can
//! process one module only (a second compile with it panics while holding the engine's lock),
//! and each engine here gets a middleware of its own and compiles exactly one module.
//!
//! A compiled [`Module`] is `Send + Sync` and cheap to clone, so every thread and every
//! function that loads the same bytes with the same engine settings (caps, metering) shares
//! one compilation. The cache holds weak references: a module is freed once the last function
//! using it is unloaded.

#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use wasmer::sys::{CompilerConfig, Cranelift, EngineBuilder, NativeEngineExt, Target};
use wasmer::wasmparser::{Parser, Payload};
use wasmer::{Engine, ExternType, FunctionType, Module, Type};

use crate::artifact::{self, Cpu};
use crate::error::{Error, Result};
use crate::limits::{self, CappedTunables, EngineConfig, Limits};

/// Threads one compile may use. Cranelift spawns a fresh pool of this many threads for every
/// module, so a cap keeps a 64-core worker from starting 64 threads per function deploy.
const COMPILE_THREADS: usize = 4;

/// Free address space a compile needs at least: its threads' stacks (2 MiB each, plus signal
/// stacks), the code and the compiler's own data, with room to spare.
const COMPILE_HEADROOM: usize = 64 << 20;

/// A new engine with the compiler settings every module gets, the caps and, when `metered`,
/// a metering middleware of its own. Compile exactly one module with it. `target` is the
/// machine to compile for; `None` for this one.
pub fn new_engine(config: &EngineConfig, target: Option<Target>) -> Engine {
    let mut cranelift = Cranelift::new();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(COMPILE_THREADS);
    if let Some(threads) = std::num::NonZeroUsize::new(threads) {
        cranelift.num_threads(threads);
    }
    if config.metered {
        cranelift.push_middleware(limits::metering());
    }
    let mut engine = Engine::from(EngineBuilder::new(cranelift).set_target(target));
    engine.set_tunables(CappedTunables::new(config));
    engine
}

/// The export under which a module's start function is called (see [`export_start`]).
pub const START_EXPORT: &str = "__pulsar_wasm_start";

/// Exports the library adds to a module: the start function, and the metering globals.
fn is_internal(name: &str) -> bool {
    name == START_EXPORT || name.starts_with("wasmer_metering_")
}

/// What a module declares that decides how it is compiled and whether it fits the caps.
#[derive(Debug, Default)]
struct Shape {
    /// The start function's index, if the module has one.
    start: Option<u32>,
    /// The largest initial size of any memory it defines, in pages.
    memory_pages: u64,
    /// The largest initial size of any table it defines, in elements.
    table_elements: u64,
}

/// Reads the sections that matter before compiling. Errors are left to the compiler, which
/// reports them better.
fn shape(binary: &[u8]) -> Shape {
    let mut shape = Shape::default();
    for payload in Parser::new(0).parse_all(binary) {
        match payload {
            Ok(Payload::StartSection { func, .. }) => shape.start = Some(func),
            Ok(Payload::MemorySection(memories)) => {
                for memory in memories.into_iter().flatten() {
                    shape.memory_pages = shape.memory_pages.max(memory.initial);
                }
            }
            Ok(Payload::TableSection(tables)) => {
                for table in tables.into_iter().flatten() {
                    shape.table_elements = shape.table_elements.max(table.ty.initial);
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    shape
}

/// Fails unless [`COMPILE_HEADROOM`] bytes of address space can be had right now.
///
/// The compiler starts threads, and a thread that cannot map its stack or signal stack aborts
/// the whole process (in Rust's thread start, before any `catch_unwind` can help): the JVM would
/// die. So ask for the room first, with an allocation that can fail politely. It is never
/// touched, so it costs no memory, only a map and unmap.
fn ensure_compile_headroom() -> Result<()> {
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(COMPILE_HEADROOM).map_err(|_| {
        Error::LimitReached(format!(
            "not enough free memory or address space to compile a module (it needs about {} MiB): \
             close functions no longer used, or raise the process's memory or address-space limit",
            COMPILE_HEADROOM >> 20
        ))
    })
}

/// Where a module's machine code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Compiled by Cranelift when loaded.
    Compiled,
    /// Loaded from a precompiled artifact given with the module.
    Artifact,
    /// Loaded from the artifact cache directory.
    Cache,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::Compiled => "compiled",
            Origin::Artifact => "artifact",
            Origin::Cache => "cache",
        }
    }
}

/// Where compiled code may come from besides the compiler.
#[derive(Debug, Default)]
pub struct Precompiled {
    /// An artifact made by [`precompile`] (possibly for another module, build or machine: it
    /// is checked, and compiled from the module when it does not match).
    pub artifact: Option<Vec<u8>>,
    /// A directory of artifacts: read when it has the module's, written when it has not.
    pub cache_dir: Option<PathBuf>,
}

/// A compiled module, the engine that holds its code, and what a person wants to know about it.
#[derive(Debug)]
pub struct CompiledModule {
    /// Every store that instantiates the module is made from this engine.
    pub engine: Engine,
    pub(crate) module: Module,
    /// Hex SHA-256 of the WebAssembly binary (after WAT text was converted).
    pub hash: String,
    /// Size in bytes of the WebAssembly binary.
    pub size: usize,
    /// Where the machine code came from.
    pub origin: Origin,
    /// How long it took to compile or load the code (the first time these bytes were seen).
    pub load_time: Duration,
    /// Why a precompiled artifact offered for it was not used, or why the artifact cache failed.
    pub artifact_note: Option<String>,
    /// The engine settings it was compiled with: caps, and whether it counts fuel.
    pub config: EngineConfig,
    /// Whether it has a start function, exported as [`START_EXPORT`] and called after
    /// instantiation under the function's limits.
    pub has_start: bool,
}

impl CompiledModule {
    /// Each export as `name: kind type`, e.g. `apply: func (i64) -> i64`.
    pub fn exports(&self) -> Vec<String> {
        self.module
            .exports()
            .filter(|export| !is_internal(export.name()))
            .map(|export| format!("{}: {}", export.name(), describe_extern(export.ty())))
            .collect()
    }

    /// The names of the exports (internal ones left out).
    pub fn export_names(&self) -> Vec<String> {
        self.module
            .exports()
            .filter(|export| !is_internal(export.name()))
            .map(|export| export.name().to_owned())
            .collect()
    }

    /// Each import as `module.name: kind type`.
    pub fn imports(&self) -> Vec<String> {
        self.module
            .imports()
            .map(|import| {
                format!(
                    "{}.{}: {}",
                    import.module(),
                    import.name(),
                    describe_extern(import.ty())
                )
            })
            .collect()
    }

    /// Checks that `name` is an exported function of type `params -> results`.
    pub fn check_export(&self, name: &str, params: &[Type], results: &[Type]) -> Result<()> {
        let expected = FunctionType::new(params, results);
        let export = self.module.exports().find(|export| export.name() == name);
        match export.as_ref().map(|export| export.ty()) {
            None => Err(Error::MissingExport {
                name: name.to_owned(),
                available: self.exports(),
            }),
            Some(ExternType::Function(actual)) if *actual == expected => Ok(()),
            Some(other) => Err(Error::WrongSignature {
                name: name.to_owned(),
                expected: format!("func {}", describe_func(&expected)),
                actual: describe_extern(other),
            }),
        }
    }
}

pub(crate) fn describe_func(ty: &FunctionType) -> String {
    // WAT spelling (`i64`, `funcref`), as a guest author writes it.
    let list = |types: &[Type]| {
        types
            .iter()
            .map(|t| t.to_string().to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(ty.params()), list(ty.results()))
}

pub(crate) fn describe_extern(ty: &ExternType) -> String {
    match ty {
        ExternType::Function(f) => format!("func {}", describe_func(f)),
        ExternType::Global(g) => format!("global {}", g.ty.to_string().to_lowercase()),
        ExternType::Memory(_) => "memory".to_owned(),
        ExternType::Table(_) => "table".to_owned(),
        ExternType::Tag(_) => "tag".to_owned(),
    }
}

type Cache = Mutex<HashMap<([u8; 32], EngineConfig), Weak<CompiledModule>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The module without its start section, exporting the start function as [`START_EXPORT`].
///
/// wasmer runs a start function inside instantiation, where neither a deadline nor a host
/// interrupt reaches it: a start function that loops (a hostile module, or a bug) would hang the
/// thread, and fuel alone does not bound time (a loop of large `memory.fill`s costs little fuel).
/// Called as an export instead, it runs like any call: with the function's fuel and deadline.
/// Sections are copied as they are, except the start section (dropped) and the export section
/// (one export added; created where the start section was if the module has none).
fn export_start(binary: &[u8], start: u32) -> Result<Vec<u8>> {
    let mut out = binary.get(..8).map(<[u8]>::to_vec).unwrap_or_default();
    let mut exported = false;
    let entry = {
        let mut entry = Vec::new();
        leb128(&mut entry, START_EXPORT.len() as u64);
        entry.extend_from_slice(START_EXPORT.as_bytes());
        entry.push(0x00); // a function
        leb128(&mut entry, u64::from(start));
        entry
    };
    for payload in Parser::new(0).parse_all(binary) {
        let payload = payload.map_err(|e| Error::Compile(e.to_string()))?;
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        let content = usize::try_from(range.start)
            .ok()
            .zip(usize::try_from(range.end).ok())
            .and_then(|(from, to)| binary.get(from..to))
            .ok_or_else(|| Error::Compile("a section runs past the end of the module".to_owned()))?;
        match id {
            START_SECTION => {
                if !exported {
                    let mut section = Vec::new();
                    leb128(&mut section, 1);
                    section.extend_from_slice(&entry);
                    push_section(&mut out, EXPORT_SECTION, &section);
                    exported = true;
                }
            }
            EXPORT_SECTION => {
                let (count, count_len) =
                    read_leb128(content).ok_or_else(|| Error::Compile("malformed export section".to_owned()))?;
                let mut section = Vec::with_capacity(content.len() + entry.len() + 5);
                leb128(&mut section, count + 1);
                section.extend_from_slice(&content[count_len..]);
                section.extend_from_slice(&entry);
                push_section(&mut out, EXPORT_SECTION, &section);
                exported = true;
            }
            _ => push_section(&mut out, id, content),
        }
    }
    Ok(out)
}

const EXPORT_SECTION: u8 = 7;
const START_SECTION: u8 = 8;

fn push_section(out: &mut Vec<u8>, id: u8, content: &[u8]) {
    out.push(id);
    leb128(out, content.len() as u64);
    out.extend_from_slice(content);
}

fn leb128(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An unsigned LEB128 number at the start of `bytes`, and how many bytes it took.
fn read_leb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The checked WebAssembly binary of `bytes` (binary or WAT text), what it declares, and its
/// SHA-256. Refuses what cannot fit in `limits` before anything is spent compiling it.
fn prepare<'a>(bytes: &'a [u8], limits: &Limits) -> Result<(std::borrow::Cow<'a, [u8]>, Shape, [u8; 32])> {
    limits.validate()?;
    let binary = wasmer::wat2wasm(bytes).map_err(|e| Error::Compile(e.to_string()))?;
    let shape = shape(&binary);
    if shape.memory_pages > u64::from(limits.memory_pages) {
        return Err(Error::LimitReached(limits::memory_minimum_message(
            shape.memory_pages,
            limits.memory_pages,
        )));
    }
    if shape.table_elements > u64::from(limits.table_elements) {
        return Err(Error::LimitReached(limits::table_minimum_message(
            shape.table_elements,
            limits.table_elements,
        )));
    }
    let digest: [u8; 32] = Sha256::digest(&binary).into();
    Ok((binary, shape, digest))
}

/// Compiles `binary` with `engine`, its start function exported instead (see [`export_start`]).
fn compile_binary(engine: &Engine, binary: &[u8], shape: &Shape) -> Result<Module> {
    ensure_compile_headroom()?;
    let binary = match shape.start {
        Some(start) => std::borrow::Cow::Owned(export_start(binary, start)?),
        None => std::borrow::Cow::Borrowed(binary),
    };
    // wasmer panics (rather than returning an error) when it cannot map memory for the code; the
    // panic poisons only this module's engine, which is dropped with it.
    catch_unwind(AssertUnwindSafe(|| Module::from_binary(engine, &binary)))
        .map_err(|panic| {
            Error::LimitReached(format!(
                "the compiler failed ({}); this happens when the process runs out of memory or of memory mappings (vm.max_map_count)",
                crate::error::panic_text(&*panic)
            ))
        })?
        .map_err(|e| Error::Compile(e.to_string()))
}

/// Compiles WebAssembly binary or WAT text for functions with `limits`, or returns the cached
/// compilation of the same binary with the same engine settings.
///
/// The module is metered when the limits ask for fuel. A start function is exported instead
/// (see [`export_start`]) and called after instantiation under the same limits as every call.
pub fn compile(bytes: &[u8], limits: &Limits) -> Result<Arc<CompiledModule>> {
    compile_with(bytes, limits, Precompiled::default())
}

/// [`compile`], taking the code from a precompiled artifact or the cache directory when one
/// matches. An artifact that does not match (another module, build, machine or metering; damaged
/// or truncated) is never loaded: the module is compiled, and [`CompiledModule::artifact_note`]
/// says why. Failures of the cache directory only cost the compile.
pub fn compile_with(bytes: &[u8], limits: &Limits, precompiled: Precompiled) -> Result<Arc<CompiledModule>> {
    let (binary, shape, digest) = prepare(bytes, limits)?;
    let config = limits.engine_key(limits.fuel_per_call.is_some());
    let key = (digest, config);
    if let Some(hit) = cache().lock().get(&key).and_then(Weak::upgrade) {
        return Ok(hit);
    }
    // Compile outside the lock: compiling can take long, and other modules need not wait.
    let hash = hex(&digest);
    let started = Instant::now();
    let mut notes = Vec::new();
    let mut loaded = None;
    if let Some(sealed) = precompiled.artifact {
        match artifact::open(sealed, &hash, &config) {
            Ok(code) => loaded = Some((code, Origin::Artifact)),
            Err(why) => notes.push(format!("the precompiled artifact was not used: {why}")),
        }
    }
    // The cache is consulted (and its directory checked or created) only when the given
    // artifact did not serve.
    let cache_file = precompiled.cache_dir.filter(|_| loaded.is_none()).and_then(|dir| {
        match artifact::cache_file(&dir, &hash, config.metered) {
            Ok(file) => Some(file),
            Err(why) => {
                notes.push(why);
                None
            }
        }
    });
    if let Some(file) = &cache_file {
        match std::fs::read(file) {
            Ok(sealed) => match artifact::open(sealed, &hash, &config) {
                Ok(code) => loaded = Some((code, Origin::Cache)),
                Err(why) => notes.push(format!("the cached artifact {} was not used: {why}", file.display())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => notes.push(format!("the cached artifact {} cannot be read: {e}", file.display())),
        }
    }
    let ((engine, module), origin) = match loaded {
        Some(loaded) => loaded,
        None => {
            let engine = new_engine(&config, None);
            let module = compile_binary(&engine, &binary, &shape)?;
            if let Some(file) = &cache_file {
                let written = module.serialize().map_err(|e| e.to_string()).and_then(|serialized| {
                    let sealed = artifact::seal(&serialized, &Target::default(), config.metered, &hash);
                    artifact::write_atomically(file, &sealed).map_err(|e| e.to_string())
                });
                if let Err(why) = written {
                    notes.push(format!(
                        "the artifact cache {} cannot be written: {why}",
                        file.display()
                    ));
                }
            }
            ((engine, module), Origin::Compiled)
        }
    };
    let compiled = Arc::new(CompiledModule {
        engine,
        module,
        hash,
        size: binary.len(),
        origin,
        load_time: started.elapsed(),
        artifact_note: (!notes.is_empty()).then(|| notes.join("; ")),
        config,
        has_start: shape.start.is_some(),
    });
    log::debug!(
        "module {} ({} bytes, {:?}): {} in {:?}{}",
        compiled.hash,
        compiled.size,
        compiled.config,
        origin.name(),
        compiled.load_time,
        compiled
            .artifact_note
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    let mut cache = cache().lock();
    cache.retain(|_, weak| weak.strong_count() > 0);
    // Another thread may have compiled the same bytes meanwhile: keep one copy.
    if let Some(raced) = cache.get(&key).and_then(Weak::upgrade) {
        return Ok(raced);
    }
    cache.insert(key, Arc::downgrade(&compiled));
    Ok(compiled)
}

/// Compiles WebAssembly binary or WAT text ahead of time, for a machine with `cpu`, and seals
/// the result as an artifact for [`compile_with`]. `metered` compiles fuel metering in: an
/// artifact serves functions with a fuel limit only if it is metered, and those without only if
/// not. The memory and table caps do not shape the code, so one artifact serves any caps.
pub fn precompile(bytes: &[u8], metered: bool, cpu: Cpu) -> Result<Vec<u8>> {
    let limits = Limits {
        memory_pages: limits::MAX_MEMORY_PAGES,
        table_elements: u32::MAX,
        ..Limits::default()
    };
    let (binary, shape, digest) = prepare(bytes, &limits)?;
    let target = cpu.target()?;
    let engine = new_engine(&limits.engine_key(metered), Some(target.clone()));
    let module = compile_binary(&engine, &binary, &shape)?;
    let serialized = module
        .serialize()
        .map_err(|e| Error::Compile(format!("the compiled module cannot be serialized: {e}")))?;
    Ok(artifact::seal(&serialized, &target, metered, &hex(&digest)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
