//! Maps core errors, JNI errors and panics to Java exceptions.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use jni::errors::{Error as JniError, ErrorPolicy};
use jni::objects::{JClass, JObject, JThrowable, JValue, LoaderContext};
use jni::strings::JNIString;
use jni::{jni_sig, Env};

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

const PACKAGE: &str = "io.github.pulsarwasm.";

/// The Java exception class (binary name) and message for a failure.
fn exception_for(failure: &Failure) -> (String, String) {
    let ours = |name: &str| format!("{PACKAGE}{name}");
    match failure {
        Failure::Core(err @ Error::Compile(_)) => (ours("WasmCompileException"), err.to_string()),
        Failure::Core(
            err @ (Error::MissingExport { .. }
            | Error::WrongSignature { .. }
            | Error::UnresolvedImport { .. }
            | Error::Instantiate(_)),
        ) => (ours("WasmLinkException"), err.to_string()),
        Failure::Core(err @ Error::Trap { .. }) => (ours("WasmTrapException"), err.to_string()),
        Failure::Core(err @ (Error::Closed | Error::Reentrant)) => {
            ("java.lang.IllegalStateException".to_owned(), err.to_string())
        }
        Failure::Core(err @ Error::InvalidArgument(_)) => {
            ("java.lang.IllegalArgumentException".to_owned(), err.to_string())
        }
        Failure::Core(err @ Error::LimitReached(_)) => (ours("WasmException"), err.to_string()),
        Failure::Null(what) => (
            "java.lang.NullPointerException".to_owned(),
            format!("{what} must not be null"),
        ),
        Failure::Jni(err) => (ours("WasmException"), format!("JNI call failed: {err}")),
    }
}

/// Throws `class_name(message)`, or for a trap `WasmTrapException(message, trapCode)`.
///
/// Our own exception classes are loaded through the class loader of `WasmLoader` (the
/// caller), not the thread's context loader: in Pulsar each function has its own loader,
/// and an exception from another loader's copy of the class would not match a `catch`.
fn throw(
    env: &mut Env<'_>,
    caller: &JClass<'_>,
    class_name: &str,
    message: &str,
    trap_code: Option<&str>,
) -> jni::errors::Result<()> {
    let class = if class_name.starts_with(PACKAGE) {
        let loader = caller.get_class_loader(env)?;
        LoaderContext::Loader(&loader).load_class(env, JNIString::new(class_name), false)?
    } else {
        LoaderContext::None.load_class(env, JNIString::new(class_name), false)?
    };
    let message = env.new_string(message)?;
    let exception: JObject = match trap_code {
        Some(code) => {
            let code = env.new_string(code)?;
            env.new_object(
                &class,
                jni_sig!("(Ljava/lang/String;Ljava/lang/String;)V"),
                &[JValue::from(&message), JValue::from(&code)],
            )?
        }
        None => env.new_object(&class, jni_sig!("(Ljava/lang/String;)V"), &[JValue::from(&message)])?,
    };
    let exception = env.cast_local::<JThrowable>(exception)?;
    env.throw(&exception)
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    };
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
        let (class, message) = exception_for(&failure);
        let trap_code = match &failure {
            Failure::Core(Error::Trap { code, .. }) => Some(code.as_deref().unwrap_or("RuntimeError")),
            _ => None,
        };
        // `throw` reports the exception it raised as `Err(JavaException)`: that is success here.
        match throw(env, caller, &class, &message, trap_code) {
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
        match throw(env, caller, &format!("{PACKAGE}WasmException"), &message, None) {
            Ok(()) | Err(JniError::JavaException) => Ok(T::default()),
            Err(other) => Err(other),
        }
    }
}
