//! The JNI boundary: the natives of `io.github.pulsarwasm.WasmLoader`.
//!
//! Each native only converts arguments, calls the core and returns; every one goes through
//! [`boundary`] (or its allocation-free twin [`boundary_fast`] on the call path), which
//! catches panics and maps errors to Java exceptions via [`throw::ThrowPolicy`].
//!
//! Keep in sync with `java/core/src/main/java/io/github/pulsarwasm/WasmLoader.java`.

mod throw;

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Once;

use jni::objects::{JByteArray, JClass, JString};
use jni::sys::{jboolean, jint, jlong};
use jni::{Env, EnvUnowned};

use crate::function::{self, Binding, Handle, ThreadKey};
use throw::{Failure, ThrowPolicy};

/// Bumped whenever a native's signature or meaning changes; `WasmLoader` refuses a library
/// whose version differs from its own, instead of failing later with a confusing error.
pub const ABI_VERSION: jint = 2;

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

/// The calling thread's key for bound calls: its JNI environment pointer, which the JVM gives
/// every attached thread as its own and which comes with every native call for free.
fn thread_key(env: &EnvUnowned<'_>) -> ThreadKey {
    match std::num::NonZeroUsize::new(env.as_raw() as usize) {
        // SAFETY: a JNIEnv is per thread and stays the same while the thread is attached, so
        // no other live thread presents this value. (A thread that detaches and attaches again
        // gets a new one; its old bindings then just take the unbound path.) One window is
        // left: the JVM frees an ending thread's JNIEnv before that thread's Rust thread-local
        // destructors clear its bindings, so a thread started in between may get the same
        // address. Only a made-up binding index passed in that window could reach the ending
        // thread's instance; `WasmFunction` passes only indices its own thread bound.
        Some(raw) => unsafe { ThreadKey::new(raw) },
        None => ThreadKey::current(),
    }
}

fn init_logging() {
    static LOGGING: Once = Once::new();
    LOGGING.call_once(|| {
        let filter = env_logger::Env::default().filter_or("PULSAR_WASM_LOG", "warn");
        let _ = env_logger::Builder::from_env(filter).try_init();
    });
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
) -> jlong {
    boundary(&mut env, &caller, |env| {
        if wasm.is_null() {
            return Err(Failure::Null("the WebAssembly bytes"));
        }
        if export.is_null() {
            return Err(Failure::Null("the export name"));
        }
        let bytes = env.convert_byte_array(&wasm)?;
        let export = export.try_to_string(env)?;
        let handle = function::load_i64(&bytes, &export)?;
        Ok(handle.into_raw() as jlong)
    })
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
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_bind<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
) -> jint {
    let key = thread_key(&env);
    boundary_fast(&mut env, &caller, || {
        Ok(function::bind_i64(Handle::from_raw(handle as u64), key)?.into_raw() as jint)
    })
}

#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_invokeBound<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
    binding: jint,
    arg: jlong,
) -> jlong {
    let key = thread_key(&env);
    boundary_fast(&mut env, &caller, || {
        let (handle, binding) = (Handle::from_raw(handle as u64), Binding::from_raw(binding as u32));
        Ok(function::call_bound_i64(handle, binding, key, arg)?)
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

/// Describes a loaded function as NUL-separated fields: hash, size, compile nanoseconds,
/// export name, then each of the module's exports (see `WasmLoader.describe`).
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
            module.compile_time.as_nanos().to_string(),
            def.export.clone(),
        ];
        fields.extend(module.exports());
        Ok(JString::new(env, fields.join("\0"))?)
    })
}

/// Does nothing: the baseline for measuring what a JNI call itself costs.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_noop<'local>(
    _env: EnvUnowned<'local>,
    _caller: JClass<'local>,
    arg: jlong,
) -> jlong {
    arg
}

/// Calls `invokeBound`'s core path `iterations` times inside one native call and returns the
/// elapsed nanoseconds: the benchmark's measure of the core on a JVM thread, without JNI.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_coreLoopNanos<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
    arg: jlong,
    iterations: jint,
) -> jlong {
    let key = thread_key(&env);
    boundary_fast(&mut env, &caller, || {
        let handle = Handle::from_raw(handle as u64);
        let binding = function::bind_i64(handle, key)?;
        loop_nanos(iterations, || {
            Ok(function::call_bound_i64(
                handle,
                binding,
                key,
                std::hint::black_box(arg),
            )?)
        })
    })
}

/// The baseline for [`Java_io_github_pulsarwasm_WasmLoader_coreLoopNanos`]: wasmer's own typed
/// call, with a store and instance of our own, looped on this JVM thread. Returns nanoseconds.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_WasmLoader_wasmerLoopNanos<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
    arg: jlong,
    iterations: jint,
) -> jlong {
    boundary_fast(&mut env, &caller, || {
        let def = function::definition(Handle::from_raw(handle as u64))?;
        let (mut store, typed) = function::new_instance(&def)?;
        loop_nanos(iterations, || {
            Ok(typed
                .call(&mut store, std::hint::black_box(arg))
                .map_err(crate::Error::from_runtime)?)
        })
    })
}

/// Nanoseconds taken by `iterations` calls of `call`.
fn loop_nanos(iterations: jint, mut call: impl FnMut() -> Result<i64, Failure>) -> Result<jlong, Failure> {
    let started = std::time::Instant::now();
    for _ in 0..iterations {
        std::hint::black_box(call()?);
    }
    Ok(started.elapsed().as_nanos() as jlong)
}
