//! Natives for the JMH benchmarks only (`io.github.pulsarwasm.NativeBench` in `java/bench`),
//! built with the `bench-natives` feature into a library that `scripts/bench.sh` keeps apart
//! from the one shipped in the jar.

use jni::objects::{JClass, JObject};
use jni::signature::{JavaType, Primitive};
use jni::sys::{jint, jlong, jvalue};
use jni::{jni_sig, jni_str, EnvUnowned};

use super::{boundary, boundary_fast, Failure};
use crate::function::{self, Handle};

/// Does nothing: the baseline for measuring what a JNI call itself costs.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_NativeBench_noop<'local>(
    _env: EnvUnowned<'local>,
    _caller: JClass<'local>,
    arg: jlong,
) -> jlong {
    arg
}

/// Calls the core's call path `iterations` times inside one native call and returns the
/// elapsed nanoseconds: the core on a JVM thread, without JNI.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_NativeBench_coreLoopNanos<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
    arg: jlong,
    iterations: jint,
) -> jlong {
    boundary_fast(&mut env, &caller, || {
        let handle = Handle::from_raw(handle as u64);
        loop_nanos(iterations, || {
            Ok(function::call_i64(handle, std::hint::black_box(arg))?)
        })
    })
}

/// The baseline for [`Java_io_github_pulsarwasm_NativeBench_coreLoopNanos`]: wasmer's own typed
/// call, with a store and instance of our own, looped on this JVM thread. Returns nanoseconds.
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_NativeBench_wasmerLoopNanos<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    handle: jlong,
    arg: jlong,
    iterations: jint,
) -> jlong {
    boundary_fast(&mut env, &caller, || {
        let def = function::definition(Handle::from_raw(handle as u64))?;
        let (mut store, instance, _env) = function::new_instance(&def)?;
        let typed = instance
            .exports
            .get_typed_function::<i64, i64>(&store, &def.export)
            .map_err(|e| crate::Error::Instantiate(e.to_string()))?;
        loop_nanos(iterations, || {
            Ok(typed
                .call(&mut store, std::hint::black_box(arg))
                .map_err(crate::Error::from_runtime)?)
        })
    })
}

/// Calls `target.callLong(int, long, long)` `iterations` times from one native frame and
/// returns the elapsed nanoseconds: the JVM's own cost of a JNI upcall with a Java host
/// function's signature, without wasm or any per-call work of ours (the floor under a scalar
/// host function call).
#[unsafe(no_mangle)]
pub extern "system" fn Java_io_github_pulsarwasm_NativeBench_upcallLoopNanos<'local>(
    mut env: EnvUnowned<'local>,
    caller: JClass<'local>,
    target: JObject<'local>,
    iterations: jint,
) -> jlong {
    boundary(&mut env, &caller, |env| {
        let class = env.get_object_class(&target)?;
        let method = env.get_method_id(&class, jni_str!("callLong"), jni_sig!("(IJJ)J"))?;
        let started = std::time::Instant::now();
        for i in 0..iterations {
            let args = [jvalue { i: 0 }, jvalue { j: i64::from(i) }, jvalue { j: 0 }];
            // SAFETY: `method` was looked up on `target`'s own class with the signature `(IJJ)J`,
            // and `args` are an int and two longs; the return type is long.
            let value =
                unsafe { env.call_method_unchecked(&target, method, JavaType::Primitive(Primitive::Long), &args) }?;
            std::hint::black_box(value.j()?);
        }
        Ok(started.elapsed().as_nanos() as jlong)
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
