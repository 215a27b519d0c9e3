//! Maps core errors, JNI errors and panics to Java exceptions.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jni::errors::{Error as JniError, ErrorPolicy};
use jni::objects::{JClass, JObject, JString, JThrowable, JValue};
use jni::refs::Global;
use jni::{jni_sig, jni_str, Env};

use crate::error::Error;

/// Why a native failed.
#[derive(Debug)]
pub enum Failure {
    Core(Error),
    Jni(JniError),
    /// A required argument was `null`; names what was missing.
    Null(&'static str),
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Core(err)
    }
}

impl From<JniError> for Failure {
    fn from(err: JniError) -> Self {
        Failure::Jni(err)
    }
}

/// The kinds of exception `WasmLoader.exception(int, String, String)` builds.
/// Keep in sync with `WasmLoader.java`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
enum Kind {
    Wasm = 0,
    Compile = 1,
    Link = 2,
    Trap = 3,
    Limit = 4,
    IllegalState = 5,
    IllegalArgument = 6,
    NullPointer = 7,
    OutOfFuel = 8,
    Timeout = 9,
    MemoryCap = 10,
    HostFunction = 11,
    Guest = 12,
    Exit = 13,
}

/// The Java exception kind and message for a failure.
fn exception_for(failure: &Failure) -> (Kind, String) {
    match failure {
        Failure::Core(err @ Error::Compile(_)) => (Kind::Compile, err.to_string()),
        Failure::Core(
            err @ (Error::MissingExport { .. }
            | Error::WrongSignature { .. }
            | Error::UnresolvedImport { .. }
            | Error::Abi(_)
            | Error::Instantiate(_)),
        ) => (Kind::Link, err.to_string()),
        Failure::Core(err @ Error::HostFunction { .. }) => (Kind::HostFunction, err.to_string()),
        Failure::Core(err @ Error::Guest(_)) => (Kind::Guest, err.to_string()),
        Failure::Core(err @ Error::Exit { .. }) => (Kind::Exit, err.to_string()),
        Failure::Core(err @ Error::Trap { .. }) => (Kind::Trap, err.to_string()),
        Failure::Core(err @ Error::FuelExhausted { .. }) => (Kind::OutOfFuel, err.to_string()),
        Failure::Core(err @ Error::DeadlineExceeded { .. }) => (Kind::Timeout, err.to_string()),
        Failure::Core(err @ Error::MemoryCapTrap { .. }) => (Kind::MemoryCap, err.to_string()),
        Failure::Core(err @ (Error::Closed | Error::Reentrant | Error::ThreadExiting)) => {
            (Kind::IllegalState, err.to_string())
        }
        Failure::Core(err @ Error::InvalidArgument(_)) => (Kind::IllegalArgument, err.to_string()),
        Failure::Core(err @ Error::LimitReached(_)) => (Kind::Limit, err.to_string()),
        Failure::Null(what) => (Kind::NullPointer, format!("{what} must not be null")),
        Failure::Jni(JniError::IndexOutOfBounds) => (
            Kind::IllegalArgument,
            "a length or offset is past the end of an array".to_owned(),
        ),
        Failure::Jni(err) => (Kind::Wasm, format!("JNI call failed: {err}")),
    }
}

/// Throws the exception that `WasmLoader.exception(kind, message, trapCode)` builds.
///
/// Java builds it, from the classes of the loader of `WasmLoader` (the caller): in Pulsar each
/// function has its own loader, and an exception from another loader's copy of a class would
/// not match a `catch`. Building it in Java also keeps this error path free of class lookups,
/// whose fallbacks in `jni` recurse without bound when a lookup fails for want of stack (a
/// `StackOverflowError` pending), and so take the JVM down. The only Java call here is the
/// factory, which the JVM refuses with a `StackOverflowError` when too little stack is left.
fn throw(
    env: &mut Env<'_>,
    caller: &JClass<'_>,
    kind: Kind,
    message: &str,
    trap_code: Option<&str>,
    cause: Option<&JObject<'_>>,
) -> jni::errors::Result<()> {
    let message = env.new_string(message)?;
    let code = match trap_code {
        Some(code) => env.new_string(code)?,
        None => JString::null(),
    };
    let null = JObject::null();
    let exception = env
        .call_static_method(
            caller,
            jni_str!("exception"),
            jni_sig!("(ILjava/lang/String;Ljava/lang/String;Ljava/lang/Throwable;)Ljava/lang/Throwable;"),
            &[
                JValue::Int(kind as i32),
                JValue::from(&message),
                JValue::from(&code),
                JValue::from(cause.unwrap_or(&null)),
            ],
        )?
        .l()?;
    let exception = env.cast_local::<JThrowable>(exception)?;
    env.throw(&exception)
}

/// The trap code the Java exception carries (`WasmTrapException.trapCode()`); for an exit,
/// the exit code (`WasmExitException.exitCode()`).
fn trap_code(err: &Error) -> Option<String> {
    match err {
        Error::Trap { code, .. } => Some(code.as_deref().unwrap_or("RuntimeError").to_owned()),
        Error::FuelExhausted { .. } => Some("OutOfFuel".to_owned()),
        Error::DeadlineExceeded { .. } => Some("Timeout".to_owned()),
        Error::Exit { code, .. } => Some(code.to_string()),
        _ => None,
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let message = crate::error::panic_text(&*payload);
    // Dropping a payload can itself panic; leak it rather than unwind into the JVM.
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
    message
}

/// Throws the exception that matches each failure, unless one is already pending.
pub struct ThrowPolicy;

impl<T: Default> ErrorPolicy<T, Failure> for ThrowPolicy {
    type Captures<'unowned_env_local: 'native_method, 'native_method> = &'native_method JClass<'unowned_env_local>;

    fn on_error<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        caller: &mut Self::Captures<'unowned_env_local, 'native_method>,
        failure: Failure,
    ) -> jni::errors::Result<T> {
        // A pending Java exception (from a JNI call that failed) is the real cause: keep it.
        if env.exception_check() {
            return Ok(T::default());
        }
        let (kind, message) = exception_for(&failure);
        let trap_code = match &failure {
            Failure::Core(Error::MemoryCapTrap { trap, .. }) => trap_code(trap),
            Failure::Core(err) => trap_code(err),
            _ => None,
        };
        // A Java host function's exception, kept by `jni::host`, becomes the cause.
        let cause = match &failure {
            Failure::Core(Error::HostFunction { cause: Some(cause), .. }) => cause
                .0
                .downcast_ref::<Global<JThrowable<'static>>>()
                .map(|global| global.as_obj()),
            _ => None,
        };
        // `throw` reports the exception it raised as `Err(JavaException)`: that is success here.
        match throw(env, caller, kind, &message, trap_code.as_deref(), cause) {
            Ok(()) | Err(JniError::JavaException) => Ok(T::default()),
            Err(other) => Err(other),
        }
    }

    fn on_panic<'unowned_env_local: 'native_method, 'native_method>(
        env: &mut Env<'unowned_env_local>,
        caller: &mut Self::Captures<'unowned_env_local, 'native_method>,
        payload: Box<dyn Any + Send + 'static>,
    ) -> jni::errors::Result<T> {
        let message = format!(
            "internal error in the pulsar-wasm native library (please report it): {}",
            panic_message(payload)
        );
        if env.exception_check() {
            log::error!("{message}");
            return Ok(T::default());
        }
        match throw(env, caller, Kind::Wasm, &message, None, None) {
            Ok(()) | Err(JniError::JavaException) => Ok(T::default()),
            Err(other) => Err(other),
        }
    }
}
