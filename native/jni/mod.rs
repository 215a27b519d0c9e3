//! The JNI boundary: the natives of `io.github.pulsarwasm.WasmLoader`.
//!
//! Each native only converts arguments, calls the core and returns; every one that can fail
//! goes through [`boundary`] (or its allocation-free twin [`boundary_fast`] on the call path),
//! which catches panics and maps errors to Java exceptions via [`throw::ThrowPolicy`].
//!
//! No native trusts a value from Java: handles are checked by the core, `null`s are refused.
//! Any class of the package can call these with made-up values and get an exception, never
//! undefined behaviour.
//!
//! The unsafe code of this module is `#[unsafe(no_mangle)]` on each native, whose
//! symbol the JVM binds to a `native` method by name, and two views of a byte slice as
//! `[i8]` for the JNI array copies (`copy_to_java`, `copy_from_java`); `host.rs` has its own
//! (the upcalls, under the invariant stated on its `Ids`). The invariant, for every native:
//! its Rust signature is the JNI signature of its Java declaration (`WasmLoader.java`, or
//! `NativeBench.java` for `bench.rs`; for `JNI_OnLoad`, the one the JNI specification gives),
//! and it returns without unwinding (every body runs inside
//! [`boundary`], [`boundary_fast`] or `catch_unwind`, or cannot panic). A jar and library from different builds
//! could disagree on a signature: `WasmLoader` refuses a library whose [`ABI_VERSION`] differs
//! before calling anything else.
//!
//! Keep in sync with `java/core/src/main/java/io/github/pulsarwasm/WasmLoader.java`.

mod host;
mod throw;

use std::collections::HashMap;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Arc, Once};
use std::time::Duration;

use jni::objects::{JByteArray, JClass, JObject, JString};
use jni::sys::{jboolean, jint, jlong};
use jni::{Env, EnvUnowned};

use crate::function::{self, Handle};
use crate::host::{normalize_grant, Grants, Host, HostFunction, HostSpec, Shape};
use crate::limits::Limits;
use throw::{Failure, ThrowPolicy};

#[cfg(feature = "bench-natives")]
mod bench;

/// Bumped whenever a native's signature or meaning changes; `WasmLoader` refuses a library
/// whose version differs from its own, instead of failing later with a confusing error.
pub const ABI_VERSION: jint = 6;

/// Runs `f` with a JNI environment; errors and panics become Java exceptions and the
/// native returns `T::default()`. A Java exception that is already pending is kept.
fn boundary<'local, T: Default>(
    env: &mut EnvUnowned<'local>,
    caller: &JClass<'local>,
    f: impl FnOnce(&mut Env<'local>) -> Result<T, Failure>,
) -> T {
    env.with_env(f).resolve_with::<ThrowPolicy, _>(|| caller)
}

/// Like [`boundary`], for natives that need no JNI call on success: the environment is
/// only upgraded when there is an error or panic to report, keeping the hot path free
/// of JNI bookkeeping.
#[inline(always)]
fn boundary_fast<'local, T: Default>(
    env: &mut EnvUnowned<'local>,
    caller: &JClass<'local>,
    f: impl FnOnce() -> Result<T, Failure>,
) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => value,
        // Re-raise a panic inside `boundary` so both paths report it the same way.
        outcome => boundary(env, caller, move |_| match outcome {
            Ok(result) => result,
            Err(payload) => resume_unwind(payload),
        }),
    }
}

fn init_logging() {
    static LOGGING: Once = Once::new();
    LOGGING.call_once(|| {
        let filter = env_logger::Env::default().filter_or("PULSAR_WASM_LOG", "warn");
        let _ = env_logger::Builder::from_env(filter).try_init();
    });
}

/// Runs when a class loader loads this library (under `NativeLibrary`'s JVM-wide lock, so
/// copies of the library never do this at the same time): installs the signal handlers before
/// anything can create a wasm store (see `crate::signals`).
#[unsafe(no_mangle)]
pub extern "system" fn JNI_OnLoad(_vm: *mut jni::sys::JavaVM, _reserved: *mut std::ffi::c_void) -> jint {
    match catch_unwind(crate::signals::init) {
        Ok(Ok(())) => {}
        // Loading goes on: calls without a deadline work, and creating an instance reports it.
        Ok(Err(err)) => log::error!("{err}"),
        Err(_) => log::error!("installing the signal handlers panicked"),
    }
    jni::sys::JNI_VERSION_1_8
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_abiVersion<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
) -> jint {
    boundary_fast(&mut env, &caller, || {
        init_logging();
        Ok(ABI_VERSION)
    })
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_load<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    wasm: JByteArray<'local>,
    export: JString<'local>,
    memory_pages: jint,
    table_elements: jint,
    fuel_per_call: jlong,
    timeout_nanos: jlong,
    host_spec: JByteArray<'local>,
    bridge: JObject<'local>,
    artifact: JByteArray<'local>,
    cache_dir: JString<'local>,
) -> jlong {
    boundary(&mut env, &caller, |env| {
        if wasm.is_null() {
            return Err(Failure::Null("the WebAssembly bytes"));
        }
        let limits = limits_from_java(memory_pages, table_elements, fuel_per_call, timeout_nanos)?;
        let bytes = env.convert_byte_array(&wasm)?;
        // `null` asks for a bytes/record guest (ABI v1).
        let export = if export.is_null() {
            None
        } else {
            Some(export.try_to_string(env)?)
        };
        let spec = if host_spec.is_null() {
            HostSpec::default()
        } else {
            let encoded = env.convert_byte_array(&host_spec)?;
            let host: Option<Arc<dyn Host>> = if bridge.is_null() {
                None
            } else {
                Some(Arc::new(host::JavaHost::new(env, &bridge)?))
            };
            decode_spec(&encoded, host)?
        };
        let precompiled = crate::module::Precompiled {
            artifact: if artifact.is_null() {
                None
            } else {
                Some(env.convert_byte_array(&artifact)?)
            },
            cache_dir: if cache_dir.is_null() {
                None
            } else {
                Some(cache_dir.try_to_string(env)?.into())
            },
        };
        let handle = function::load_with(&bytes, export.as_deref(), limits, Arc::new(spec), precompiled)?;
        Ok(handle.into_raw() as jlong)
    })
}

/// Decodes what `HostBridge.encodeSpec` encodes (keep in sync): the host functions, the user
/// config, and the grants, as u32 counts and u32-length-prefixed fields.
fn decode_spec(bytes: &[u8], host: Option<Arc<dyn Host>>) -> Result<HostSpec, Failure> {
    let mut reader = Reader { bytes, at: 0 };
    let mut functions = Vec::new();
    for _ in 0..reader.u32()? {
        let name = reader.text()?;
        let shape = Shape::from_name(&reader.text()?).ok_or_else(Reader::bad)?;
        functions.push(HostFunction { name, shape });
    }
    let mut config = HashMap::new();
    for _ in 0..reader.u32()? {
        let key = reader.text()?;
        config.insert(key, reader.field()?.to_vec());
    }
    let state = reader.u32()? != 0;
    let mut publish = Vec::new();
    for _ in 0..reader.u32()? {
        let grant = reader.text()?;
        publish.push(normalize_grant(&grant).ok_or_else(|| {
            Failure::Core(crate::Error::InvalidArgument(format!(
                "`{grant}` is not a topic name, or a prefix ending in `*`, that Pulsar would accept"
            )))
        })?);
    }
    let mut wasi = crate::wasi::WasiConfig::default();
    for _ in 0..reader.u32()? {
        wasi.args.push(reader.text()?);
    }
    for _ in 0..reader.u32()? {
        let key = reader.text()?;
        wasi.env.push((key, reader.text()?));
    }
    Ok(HostSpec::new(functions, config, Grants { state, publish }, host).with_wasi(wasi))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn bad() -> Failure {
        Failure::Core(crate::Error::InvalidArgument("malformed host specification".to_owned()))
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], Failure> {
        let end = self.at.checked_add(len).ok_or_else(Reader::bad)?;
        let taken = self.bytes.get(self.at..end).ok_or_else(Reader::bad)?;
        self.at = end;
        Ok(taken)
    }

    fn u32(&mut self) -> Result<u32, Failure> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn field(&mut self) -> Result<&'a [u8], Failure> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    fn text(&mut self) -> Result<String, Failure> {
        String::from_utf8(self.field()?.to_vec()).map_err(|_| Reader::bad())
    }
}

/// Runs one record through a bytes/record guest: `input[..len]` in; the reply
/// (`abi::finish_reply`) is written into `out` (whose length Java passes as `out_len`) when it
/// fits, and `null` returned, or else returned in a new array. Java keeps `out` per thread, so
/// a record costs two array copies and no allocation here.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_process<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
    input: JByteArray<'local>,
    len: jint,
    out: JByteArray<'local>,
    out_len: jint,
) -> JByteArray<'local> {
    boundary(&mut env, &caller, |env| {
        if input.is_null() {
            return Err(Failure::Null("the input"));
        }
        if out.is_null() {
            return Err(Failure::Null("the reply buffer"));
        }
        let len = usize::try_from(len).map_err(|_| {
            Failure::Core(crate::Error::InvalidArgument(format!(
                "the input length must not be negative, got {len}"
            )))
        })?;
        // A wrong `out_len` fails the copy below (an exception, not a write past the array).
        let out_len = usize::try_from(out_len).unwrap_or(0);
        INPUT.with(|scratch| {
            // Taken out for the call (a nested call on this thread is refused before it gets here).
            let mut bytes = scratch.take();
            if bytes.len() < len {
                bytes.resize(len, 0);
            }
            // Fails with the JVM's ArrayIndexOutOfBoundsException when `len` is past the array.
            let result = copy_from_java(env, &input, &mut bytes[..len])
                .map_err(Failure::from)
                .and_then(|()| {
                    function::process_with(Handle::from_raw(handle as u64), &bytes[..len], |reply| {
                        if reply.len() <= out_len {
                            copy_to_java(env, reply, &out)?;
                            Ok(JByteArray::null())
                        } else {
                            env.byte_array_from_slice(reply)
                        }
                    })?
                    .map_err(Failure::from)
                });
            // Keep the buffer for the next record unless one large record made it large.
            if bytes.len() <= MAX_KEPT_INPUT {
                scratch.replace(bytes);
            }
            result
        })
    })
}

/// Inputs up to this size reuse one buffer per thread; a larger one gets its own.
const MAX_KEPT_INPUT: usize = 1 << 20;

thread_local! {
    static INPUT: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Copies `bytes` to the start of a Java `byte[]` at least as long.
fn copy_to_java(env: &Env<'_>, bytes: &[u8], array: &JByteArray<'_>) -> jni::errors::Result<()> {
    // SAFETY: `i8` and `u8` have the same size and alignment and every bit pattern is valid for
    // both, so the slice may be viewed as `[i8]` while it is borrowed here; JNI only reads it.
    let as_jbytes = unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<i8>(), bytes.len()) };
    array.set_region(env, 0, as_jbytes)
}

/// Copies the start of a Java `byte[]` (`into.len()` bytes of it) into `into`.
fn copy_from_java(env: &Env<'_>, array: &JByteArray<'_>, into: &mut [u8]) -> jni::errors::Result<()> {
    // SAFETY: `i8` and `u8` have the same size and alignment and every bit pattern is valid for
    // both, so the slice may be viewed as `[i8]` for as long as it is borrowed here.
    let as_jbytes = unsafe { std::slice::from_raw_parts_mut(into.as_mut_ptr().cast::<i8>(), into.len()) };
    array.get_region(env, 0, as_jbytes)
}

/// Limits as `WasmLimits` passes them: `fuel_per_call` and `timeout_nanos` are 0 for none.
fn limits_from_java(
    memory_pages: jint,
    table_elements: jint,
    fuel_per_call: jlong,
    timeout_nanos: jlong,
) -> Result<Limits, Failure> {
    let invalid = |what: &str, value: i64| {
        Failure::Core(crate::Error::InvalidArgument(format!(
            "{what} must not be negative, got {value}"
        )))
    };
    let limits = Limits {
        memory_pages: u32::try_from(memory_pages).map_err(|_| invalid("the memory cap", memory_pages.into()))?,
        table_elements: u32::try_from(table_elements).map_err(|_| invalid("the table cap", table_elements.into()))?,
        fuel_per_call: match u64::try_from(fuel_per_call) {
            Ok(0) => None,
            Ok(fuel) => Some(fuel),
            Err(_) => return Err(invalid("the fuel per call", fuel_per_call)),
        },
        timeout: match u64::try_from(timeout_nanos) {
            Ok(0) => None,
            Ok(nanos) => Some(Duration::from_nanos(nanos)),
            Err(_) => return Err(invalid("the timeout", timeout_nanos)),
        },
    };
    // The values themselves are checked once, by `module::compile`.
    Ok(limits)
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_invoke<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
    arg: jlong,
) -> jlong {
    boundary_fast(&mut env, &caller, || {
        Ok(function::call_i64(Handle::from_raw(handle as u64), arg)?)
    })
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_unload<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
) -> jboolean {
    boundary_fast(&mut env, &caller, || {
        Ok(function::unload(Handle::from_raw(handle as u64)))
    })
}

/// Describes a loaded function as NUL-separated fields: hash, size, load nanoseconds, origin
/// (`compiled`, `artifact`, `cache`), the artifact note (empty for none), export name, the
/// number of exports, each export, then each import (see `WasmLoader.describeHandle`).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_describe<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
) -> JString<'local> {
    boundary(&mut env, &caller, |env| {
        let def = function::definition(Handle::from_raw(handle as u64))?;
        let module = &def.module;
        let mut fields = vec![
            module.hash.clone(),
            module.size.to_string(),
            module.load_time.as_nanos().to_string(),
            module.origin.name().to_owned(),
            module.artifact_note.clone().unwrap_or_default(),
            def.export.clone(),
        ];
        let exports = module.exports();
        fields.push(exports.len().to_string());
        fields.extend(exports);
        fields.extend(module.imports());
        // Names in a module and paths in notes may hold NUL themselves: shown escaped, so that
        // the fields still split where they should.
        let fields: Vec<String> = fields.into_iter().map(|f| f.replace('\0', "\\0")).collect();
        Ok(JString::new(env, fields.join("\0"))?)
    })
}

/// Compiles a module ahead of time into a sealed artifact (`module::precompile`); `cpu` is
/// `host`, `x86-64-v2` or `x86-64-v3`.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_precompile<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    wasm: JByteArray<'local>,
    metered: jboolean,
    cpu: JString<'local>,
) -> JByteArray<'local> {
    boundary(&mut env, &caller, |env| {
        if wasm.is_null() {
            return Err(Failure::Null("the WebAssembly bytes"));
        }
        if cpu.is_null() {
            return Err(Failure::Null("the CPU"));
        }
        let cpu_name = cpu.try_to_string(env)?;
        let cpu = crate::artifact::Cpu::from_name(&cpu_name).ok_or_else(|| {
            Failure::Core(crate::Error::InvalidArgument(format!(
                "unknown CPU `{cpu_name}`: use host, x86-64-v2 or x86-64-v3"
            )))
        })?;
        let bytes = env.convert_byte_array(&wasm)?;
        let sealed = crate::module::precompile(&bytes, metered, cpu)?;
        Ok(env.byte_array_from_slice(&sealed)?)
    })
}

/// What an artifact's footer says (`ArtifactInfo::summary`) and, after a NUL, why this library
/// would not load it here (empty when it would, for a module with that hash and metering).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_artifactInfo<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    sealed: JByteArray<'local>,
) -> JString<'local> {
    boundary(&mut env, &caller, |env| {
        if sealed.is_null() {
            return Err(Failure::Null("the artifact"));
        }
        let bytes = env.convert_byte_array(&sealed)?;
        let text = match crate::artifact::read_info(&bytes) {
            // The footer's text is the file's, and may hold NUL: escaped, as in `describe`.
            Ok(info) => format!(
                "{}\0{}",
                info.summary().replace('\0', "\\0"),
                crate::artifact::incompatibility(&info)
                    .unwrap_or_default()
                    .replace('\0', "\\0")
            ),
            Err(why) => format!("\0{why}"),
        };
        Ok(JString::new(env, text)?)
    })
}

/// How many functions are loaded in this process (through any class loader), for diagnostics.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_liveFunctions<'local>(
    _env: EnvUnowned<'local>,
    _caller: JClass<'local>,
) -> jlong {
    function::functions_loaded() as jlong
}

/// How many instances exist in this process, over all threads and functions, for diagnostics.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_liveInstances<'local>(
    _env: EnvUnowned<'local>,
    _caller: JClass<'local>,
) -> jlong {
    function::instances_in_use() as jlong
}
