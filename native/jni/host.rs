//! [`Host`] for Java: upcalls to the function's `HostBridge` object.
//!
//! Discipline (each point is why the code is as it is):
//! - the calling thread is attached (a host function runs inside a native method of that
//!   thread), and `GetEnv` (directly, or through `JavaVM::with_local_frame`) finds its
//!   `JNIEnv` without attaching;
//! - every upcall that makes local references runs in its own local frame, so they are freed
//!   on return; the scalar one makes none but a pending exception, which `take_exception`
//!   deletes;
//! - every upcall's pending exception is taken and cleared before anything else is done;
//! - method IDs are looked up once, on the bridge object's own class (so per class loader);
//! - bytes cross as fresh `byte[]` copies: Java never gets a view of guest memory, which moves
//!   when it grows; strings cross as UTF-8 bytes, never through modified UTF-8.
//!
//! The bridge is held through an `Arc` taken out of a lock for each upcall, and released by
//! [`Host::close`] when the function is unloaded: so its global reference is deleted on a Java
//! thread (the one that unloads, or the one whose upcall ends last), never in a thread-local
//! destructor of an exiting thread.

use std::sync::Arc;

use jni::ids::JMethodID;
use jni::objects::{JByteArray, JObject, JThrowable};
use jni::refs::{Global, Reference};
use jni::signature::{JavaType, Primitive};
use jni::sys::jvalue;
use jni::{jni_sig, jni_str, Env, JavaVM};
use parking_lot::RwLock;

use crate::host::{Cause, Host, HostFailure};

pub struct JavaHost {
    bridge: RwLock<Option<Arc<Global<JObject<'static>>>>>,
    ids: Ids,
    vm: JavaVM,
}

/// The bridge's method IDs. Invariant relied on by every `call_method_unchecked` below (the
/// "bridge invariant"): each ID was looked up by `JavaHost::new` on the runtime class of the one
/// object this host holds as `bridge`, which is never replaced, with the signature its call
/// site passes arguments and a return type for. So whatever object Java passed at load (any
/// class of the package can pass a made-up one), an ID either matches it or `new` failed and
/// nothing is called. The IDs stay valid while that class is loaded, and it is loaded while the
/// object is reachable: an upcall holds an `Arc` of the global reference for its whole length,
/// so a concurrent `close` (unload) cannot free it under the call. An upcall runs on the thread
/// of the native method that entered the guest (a virtual thread stays on its carrier while
/// native frames are on its stack), so the thread is attached and the environment
/// `JavaVM::with_*_local_frame` finds is that thread's own.
struct Ids {
    call_long: JMethodID,
    call_bytes: JMethodID,
    state_get: JMethodID,
    counter_get: JMethodID,
    discarded: JMethodID,
}

impl JavaHost {
    /// Resolves the bridge's methods on its own class (`HostBridge.java`; keep in sync).
    pub fn new(env: &mut Env<'_>, bridge: &JObject<'_>) -> jni::errors::Result<JavaHost> {
        let class = env.get_object_class(bridge)?;
        let ids = Ids {
            call_long: env.get_method_id(&class, jni_str!("callLong"), jni_sig!("(IJJ)J"))?,
            call_bytes: env.get_method_id(&class, jni_str!("callBytes"), jni_sig!("(I[B)[B"))?,
            state_get: env.get_method_id(&class, jni_str!("stateGet"), jni_sig!("([B)[B"))?,
            counter_get: env.get_method_id(&class, jni_str!("counterGet"), jni_sig!("([B)J"))?,
            discarded: env.get_method_id(&class, jni_str!("discarded"), jni_sig!("([B)V"))?,
        };
        let bridge = env.new_global_ref(bridge)?;
        Ok(JavaHost {
            bridge: RwLock::new(Some(Arc::new(bridge))),
            ids,
            vm: env.get_java_vm()?,
        })
    }

    /// This thread's `JNIEnv`, asked of the JVM (`GetEnv`) on every upcall rather than kept: a
    /// thread may detach and attach again between two calls, and gets another one then. While a
    /// host function runs, the thread is inside the native method that entered the guest, so it
    /// is attached and the pointer stays valid until that method returns.
    fn current_env(&self) -> Result<*mut jni::sys::JNIEnv, HostFailure> {
        let vm = self.vm.get_raw();
        let mut env = std::ptr::null_mut();
        // SAFETY: `vm` is the process's `JavaVM`, valid until `DestroyJavaVM`, which cannot run
        // while Java code (the caller of our native method) runs; `GetEnv` may be called on any
        // thread and only writes `env`.
        let status = unsafe { ((**vm).v1_2.GetEnv)(vm, &mut env, jni::sys::JNI_VERSION_1_2) };
        if status != jni::sys::JNI_OK || env.is_null() {
            return Err(failure(&format!(
                "this thread has no JNI environment (GetEnv returned {status})"
            )));
        }
        Ok(env.cast())
    }

    /// The bridge, held for the length of an upcall; refused once the function is closed.
    fn bridge(&self) -> Result<Arc<Global<JObject<'static>>>, HostFailure> {
        self.bridge
            .read()
            .clone()
            .ok_or_else(|| failure("the WASM function was closed during the call"))
    }

    /// Runs `f` with this thread's environment and the bridge, in a local frame of its own
    /// (16 references, freed on return).
    fn upcall<T>(
        &self,
        f: impl FnOnce(&mut Env<'_>, &JObject<'static>) -> jni::errors::Result<T>,
    ) -> Result<T, HostFailure> {
        let bridge = self.bridge()?;
        self.vm
            .with_local_frame(16, |env| -> jni::errors::Result<Result<T, HostFailure>> {
                let outcome = f(env, bridge.as_obj());
                Ok(settle(env, outcome))
            })
            .unwrap_or_else(|e: jni::errors::Error| Err(failure(&format!("JNI call failed: {e}"))))
    }
}

/// An upcall's outcome: a pending Java exception is taken (and cleared) as the failure's cause.
fn settle<T>(env: &mut Env<'_>, outcome: jni::errors::Result<T>) -> Result<T, HostFailure> {
    match outcome {
        Ok(value) => Ok(value),
        Err(jni::errors::Error::JavaException) => Err(take_exception(env)),
        Err(other) => Err(failure(&format!("JNI call failed: {other}"))),
    }
}

fn failure(message: &str) -> HostFailure {
    HostFailure {
        message: message.to_owned(),
        cause: None,
    }
}

/// Takes the pending exception: cleared, kept as a global reference for the caller's exception.
fn take_exception(env: &mut Env<'_>) -> HostFailure {
    let Some(throwable) = env.exception_occurred() else {
        return failure("a Java exception was reported but none is pending");
    };
    env.exception_clear();
    let message = describe(env, &throwable).unwrap_or_else(|| "a Java exception".to_owned());
    let cause = env
        .new_global_ref(&throwable)
        .ok()
        .map(|global| Cause(Arc::new(global)));
    env.delete_local_ref(throwable);
    HostFailure { message, cause }
}

fn describe(env: &mut Env<'_>, throwable: &JThrowable<'_>) -> Option<String> {
    let text = env
        .call_method(throwable, jni_str!("toString"), jni_sig!("()Ljava/lang/String;"), &[])
        .and_then(|v| v.l());
    match text {
        Ok(text) => {
            let text = env.cast_local::<jni::objects::JString>(text).ok()?;
            let message = text.try_to_string(env).ok();
            env.delete_local_ref(text);
            message
        }
        Err(_) => {
            env.exception_clear();
            None
        }
    }
}

/// A `byte[]` copy of `bytes`, as a `jvalue` argument (a local of the current frame).
fn byte_array<'local>(env: &mut Env<'local>, bytes: &[u8]) -> jni::errors::Result<JByteArray<'local>> {
    env.byte_array_from_slice(bytes)
}

fn object_arg(obj: &JObject<'_>) -> jvalue {
    jvalue { l: obj.as_raw() }
}

/// The bytes of a returned `byte[]`, `None` for `null`.
fn bytes_of(env: &mut Env<'_>, value: jni::JValueOwned<'_>) -> jni::errors::Result<Option<Vec<u8>>> {
    let object = value.l()?;
    if object.is_null() {
        return Ok(None);
    }
    let array = env.cast_local::<JByteArray>(object)?;
    Ok(Some(env.convert_byte_array(&array)?))
}

impl Host for JavaHost {
    fn call_long(&self, index: usize, args: &[i64]) -> Result<i64, HostFailure> {
        // The hot host-function shape goes to the JNI function table directly: no local frame
        // (a long in, a long out makes no local reference) and none of jni-rs's per-call
        // attachment bookkeeping, which cost about as much as the JVM's upcall itself.
        let (a, b) = (args.first().copied().unwrap_or(0), args.get(1).copied().unwrap_or(0));
        let bridge = self.bridge()?;
        let env = self.current_env()?;
        let args = [jvalue { i: index as i32 }, jvalue { j: a }, jvalue { j: b }];
        // SAFETY: `env` is this thread's own `JNIEnv` (`current_env`), with no exception pending
        // (every upcall clears its own, and Java enters a native method with none). The bridge
        // invariant (`Ids`) for `call_long`, looked up as `(IJJ)J`: `args` are an int and two
        // longs, the return type is long, and the global reference `bridge` is alive (its `Arc`
        // is held) for the whole call.
        let value = unsafe {
            ((**env).v1_1.CallLongMethodA)(env, bridge.as_raw(), self.ids.call_long.into_raw(), args.as_ptr())
        };
        // SAFETY: `env` is this thread's own `JNIEnv`; `ExceptionCheck` may be called with an
        // exception pending.
        if unsafe { ((**env).v1_2.ExceptionCheck)(env) } {
            return Err(self
                .vm
                .with_top_local_frame(|env| Ok::<_, jni::errors::Error>(take_exception(env)))
                .unwrap_or_else(|e| failure(&format!("JNI call failed: {e}"))));
        }
        Ok(value)
    }

    fn call_bytes(&self, index: usize, input: &[u8]) -> Result<Option<Vec<u8>>, HostFailure> {
        self.upcall(|env, bridge| {
            let input = byte_array(env, input)?;
            let args = [jvalue { i: index as i32 }, object_arg(&input)];
            // SAFETY: the bridge invariant (`Ids`) for `call_bytes`, looked up as `(I[B)[B`: the
            // arguments are an int and a `byte[]` (a local reference alive until this closure
            // returns), and the return type is an array.
            let result = unsafe { env.call_method_unchecked(bridge, self.ids.call_bytes, JavaType::Array, &args) }?;
            bytes_of(env, result)
        })
    }

    fn state_get(&self, key: &str) -> Result<Option<Vec<u8>>, HostFailure> {
        self.upcall(|env, bridge| {
            let key = byte_array(env, key.as_bytes())?;
            let args = [object_arg(&key)];
            // SAFETY: the bridge invariant (`Ids`) for `state_get`, looked up as `([B)[B`: the
            // argument is a `byte[]` alive until this closure returns, the return type an array.
            let result = unsafe { env.call_method_unchecked(bridge, self.ids.state_get, JavaType::Array, &args) }?;
            bytes_of(env, result)
        })
    }

    fn counter_get(&self, key: &str) -> Result<i64, HostFailure> {
        self.upcall(|env, bridge| {
            let key = byte_array(env, key.as_bytes())?;
            let args = [object_arg(&key)];
            // SAFETY: the bridge invariant (`Ids`) for `counter_get`, looked up as `([B)J`: the
            // argument is a `byte[]` alive until this closure returns, the return type long.
            unsafe {
                env.call_method_unchecked(
                    bridge,
                    self.ids.counter_get,
                    JavaType::Primitive(Primitive::Long),
                    &args,
                )
            }?
            .j()
        })
    }

    fn discarded(&self, effects: &[u8]) {
        let outcome = self.upcall(|env, bridge| {
            let effects = byte_array(env, effects)?;
            let args = [object_arg(&effects)];
            // SAFETY: the bridge invariant (`Ids`) for `discarded`, looked up as `([B)V`: the
            // argument is a `byte[]` alive until this closure returns, the return type void.
            unsafe {
                env.call_method_unchecked(bridge, self.ids.discarded, JavaType::Primitive(Primitive::Void), &args)
            }?;
            Ok(())
        });
        if let Err(failure) = outcome {
            log::warn!(
                "could not hand a failed record's log lines to Java: {}",
                failure.message
            );
        }
    }

    fn close(&self) {
        // The last `Arc` (this one, or an upcall's still running) deletes the global reference.
        let bridge = self.bridge.write().take();
        drop(bridge);
    }
}
