//! Errors of the core, each carrying the text a person needs to act on it.
//!
//! The JNI layer maps each variant to one Java exception class (see `jni::throw`).

#![forbid(unsafe_code)]

use std::fmt;
use std::time::Duration;

use crate::limits::{FUEL_SETTING, MEMORY_SETTING, TIMEOUT_SETTING};

/// What went wrong, grouped by what the user has to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The bytes are neither a WebAssembly binary nor WAT text, or do not validate.
    Compile(String),
    /// The module does not export a function under the requested name.
    MissingExport { name: String, available: Vec<String> },
    /// The export exists but is not a function of the expected type.
    WrongSignature {
        name: String,
        expected: String,
        actual: String,
    },
    /// The module imports something the host does not provide.
    UnresolvedImport { imports: Vec<String> },
    /// Instantiation failed for another reason (for example a start function that traps).
    Instantiate(String),
    /// The guest trapped. `code` is the trap kind (`None` for a host-side runtime error).
    Trap {
        code: Option<String>,
        message: String,
        trace: Vec<String>,
    },
    /// The call used up its fuel (instructions per call).
    FuelExhausted { fuel: u64, trace: Vec<String> },
    /// The call ran past its deadline and was stopped.
    DeadlineExceeded { timeout: Duration, trace: Vec<String> },
    /// The guest trapped while a memory of it was at the cap (where `memory.grow` returns -1).
    MemoryCapTrap { pages: u32, trap: Box<Error> },
    /// The module does not follow the guest ABI it claims, or imports what the host lacks.
    Abi(String),
    /// A Java host function failed (threw); `cause` carries the exception.
    HostFunction {
        function: String,
        message: String,
        cause: Option<crate::host::Cause>,
        trace: Vec<String>,
    },
    /// The guest reported that it could not handle the record (`pulsar_process` with bit 63).
    Guest(String),
    /// The guest called WASI `proc_exit`: the call ends, and its instance with it.
    Exit { code: i32, trace: Vec<String> },
    /// The handle was unloaded (closed) or never valid.
    Closed,
    /// The calling thread is exiting and its instances are gone (a call from a thread-local
    /// destructor).
    ThreadExiting,
    /// A call re-entered the same thread's instances (a host function calling back into wasm).
    Reentrant,
    /// An argument the caller must not pass (such as an empty export name).
    InvalidArgument(String),
    /// A limit was reached: functions loaded at once, or the memory or address space that a new
    /// instance or compilation needs.
    LimitReached(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile(msg) => write!(f, "not a valid WebAssembly module (binary or WAT text): {msg}"),
            Error::MissingExport { name, available } => {
                write!(f, "the module has no exported function `{name}`; ")?;
                if available.is_empty() {
                    write!(f, "it exports nothing")
                } else {
                    write!(f, "its exports are: {}", available.join(", "))
                }
            }
            Error::WrongSignature { name, expected, actual } => write!(
                f,
                "export `{name}` has the wrong type: expected {expected}, found {actual}"
            ),
            Error::UnresolvedImport { imports } => write!(
                f,
                "the module imports what the host does not provide: {}. The host provides the functions of pulsar_v1 (to bytes/record guests) \
                 registered Java host functions (pulsar_user) and WASI preview 1 (wasi_snapshot_preview1); see docs/abi.md",
                imports.join(", ")
            ),
            Error::Instantiate(msg) => write!(f, "could not instantiate the module: {msg}"),
            Error::Trap { code, message, trace } => {
                match code {
                    Some(code) => write!(f, "wasm trap: {message} ({code})")?,
                    None => write!(f, "wasm runtime error: {message}")?,
                }
                write_trace(f, trace)
            }
            Error::FuelExhausted { fuel, trace } => {
                write!(
                    f,
                    "the call ran out of fuel: it used all {fuel} instructions it may execute per call ({FUEL_SETTING})"
                )?;
                write_trace(f, trace)
            }
            Error::DeadlineExceeded { timeout, trace } => {
                write!(
                    f,
                    "the call ran past its deadline of {} ms and was stopped ({TIMEOUT_SETTING})",
                    timeout.as_millis()
                )?;
                write_trace(f, trace)
            }
            Error::MemoryCapTrap { pages, trap } => write!(
                f,
                "the guest trapped with its memory at the cap of {pages} pages ({} MiB); memory.grow returns -1 there, \
                 and most guests trap when an allocation fails: raise the cap if the guest needs more ({MEMORY_SETTING}). {trap}",
                u64::from(*pages) * 64 / 1024
            ),
            Error::Abi(msg) => write!(f, "{msg}"),
            Error::HostFunction {
                function,
                message,
                trace,
                ..
            } => {
                write!(f, "host function pulsar_user.{function} failed: {message}")?;
                write_trace(f, trace)
            }
            Error::Guest(msg) => write!(f, "the guest failed the record: {msg}"),
            Error::Exit { code, trace } => {
                write!(
                    f,
                    "the guest exited with code {code} (WASI proc_exit, from exit() or a panic in its language's runtime); \
                     its instance is discarded and the next call starts a fresh one"
                )?;
                write_trace(f, trace)
            }
            Error::Closed => write!(f, "the WASM function is closed"),
            Error::ThreadExiting => write!(f, "the calling thread is exiting; its WASM instances are gone"),
            Error::Reentrant => write!(
                f,
                "re-entrant call into WASM: a host function may not call a WASM function on the thread that runs its guest"
            ),
            Error::InvalidArgument(msg) | Error::LimitReached(msg) => write!(f, "{msg}"),
        }
    }
}

fn write_trace(f: &mut fmt::Formatter<'_>, trace: &[String]) -> fmt::Result {
    for frame in trace {
        write!(f, "\n    at {frame}")?;
    }
    Ok(())
}

impl std::error::Error for Error {}

impl Error {
    /// Builds an instantiation error; running out of memory or address space for the
    /// instance's memories and tables is a [`Error::LimitReached`] that says what to change.
    pub(crate) fn from_instantiation(err: wasmer::InstantiationError) -> Error {
        use wasmer::{InstantiationError, LinkError};
        match err {
            InstantiationError::Start(trap) => Error::from_runtime(trap),
            // The caps' own refusal (normally caught at load, before compiling) says what to change.
            InstantiationError::Link(LinkError::Resource(msg)) if msg.contains(crate::limits::CAP_MARKER) => {
                Error::LimitReached(msg)
            }
            InstantiationError::Link(LinkError::Resource(msg)) => Error::LimitReached(format!(
                "could not create a WASM instance: {msg}. Each instance (one per function and calling thread) reserves about 8 GiB of address space \
                 for its memory, so a process holds about 16,000 at most, fewer under `ulimit -v` or a container's limit: close functions no longer used, \
                 call each function from fewer threads, or raise the address-space limit"
            )),
            other => Error::Instantiate(other.to_string()),
        }
    }

    /// Builds a trap error from wasmer's runtime error: the trap kind and the wasm backtrace.
    pub(crate) fn from_runtime(err: wasmer::RuntimeError) -> Error {
        let trace = Error::trace_of(&err);
        let message = err.message();
        let code = err.to_trap().map(|code| format!("{code:?}"));
        Error::Trap { code, message, trace }
    }

    /// The wasm frames of a trap, innermost first.
    pub(crate) fn trace_of(err: &wasmer::RuntimeError) -> Vec<String> {
        err.trace()
            .iter()
            .map(|frame| {
                format!(
                    "{} ({}[{}]:0x{:x})",
                    frame.function_name().unwrap_or("<unnamed>"),
                    frame.module_name(),
                    frame.func_index(),
                    frame.module_offset()
                )
            })
            .collect()
    }
}

/// The message of a panic payload, or a placeholder.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
