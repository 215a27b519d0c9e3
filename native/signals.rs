//! SIGUSR1, which stops calls past their deadline, routed to the copy of the library that sent it.
//!
//! wasmer stops running wasm by sending SIGUSR1 to the thread that runs it; its handler asserts
//! that the signal was sent by its own registry. A JVM can hold several copies of this library
//! (function packages built with different versions of the jar, each in its own class loader),
//! each with its own wasmer, registry and handler, and only the last installed handler sees the
//! signals. A signal sent by one copy's watchdog and caught by another copy's wasmer handler
//! failed that assertion inside the handler and aborted the JVM (seen in this project's tests:
//! `ClassLoaderTest` loads a second copy, `SandboxTest` then stopped a call).
//!
//! So each copy puts a handler of its own in front of its wasmer handler. A thread is inside a
//! call with a deadline of this copy exactly while its `pthread_self()` is in [`IN_CALL`]; only
//! this copy's watchdog signals such a thread, and only during such a call (see
//! `crate::deadline` for why no signal outlives its call). The handler passes a signal for a
//! thread in the table to this copy's wasmer handler, and any other signal to the handler that
//! was installed before this copy's wasmer (another copy's router, or none): each signal reaches
//! the wasmer that sent it. A SIGUSR1 from outside the process (`kill -USR1`) reaches no wasmer
//! handler and is ignored.
//!
//! The handler is async-signal-safe: it reads `pthread_self()`, atomics and data written before
//! it was installed. It touches no thread-local storage, which a library loaded with `dlopen`
//! may allocate on first use.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Threads inside a call with a deadline, by `pthread_self()` (0 marks a free slot). Slots are
/// claimed per call, so the size bounds calls running at once, not threads.
static IN_CALL: [AtomicUsize; IN_CALL_SLOTS] = [const { AtomicUsize::new(0) }; IN_CALL_SLOTS];
const IN_CALL_SLOTS: usize = 4096;

/// The two handlers a signal can be passed to. Written once, before the router is installed.
#[derive(Clone, Copy)]
struct Handlers {
    /// This copy's wasmer handler.
    wasmer: libc::sigaction,
    /// What was installed before this copy's wasmer handler.
    previous: libc::sigaction,
}

static HANDLERS: OnceLock<Handlers> = OnceLock::new();
static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// Installs wasmer's signal handlers and the router in front of its SIGUSR1 handler. Call it
/// before this copy creates its first `Store` (which would install wasmer's handlers without
/// letting the router see what came before): at library load, and before every instance.
pub fn init() -> Result<()> {
    INSTALLED.get_or_init(install).clone().map_err(Error::LimitReached)
}

fn install() -> std::result::Result<(), String> {
    let previous = current_sigusr1()?;
    wasmer::sys::vm::init_traps();
    let wasmer = current_sigusr1()?;
    if wasmer.sa_sigaction == previous.sa_sigaction {
        // wasmer's handlers were installed before this: route everything to what is there.
        log::warn!("wasmer's signal handlers were installed before the SIGUSR1 router; another copy's deadline signals may not be told apart");
    }
    // Set once, here, before the router that reads it can run.
    let _ = HANDLERS.set(Handlers { wasmer, previous });
    // SAFETY: `sigaction` only reads the struct built here; the handler is an `extern "C"`
    // function of this library, which is never unloaded (linked with `-z nodelete`).
    let result = unsafe {
        let mut router: libc::sigaction = std::mem::zeroed();
        router.sa_sigaction = route_sigusr1 as *const () as usize;
        // SA_RESTART: a deadline signal that lands while the thread runs Java code (a host
        // function's upcall, blocked in a read) must not fail that system call with EINTR.
        router.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART;
        libc::sigemptyset(&mut router.sa_mask);
        libc::sigaction(libc::SIGUSR1, &router, std::ptr::null_mut())
    };
    if result == 0 {
        Ok(())
    } else {
        Err(format!(
            "could not install the SIGUSR1 handler that enforces deadlines: {}",
            std::io::Error::last_os_error()
        ))
    }
}

fn current_sigusr1() -> std::result::Result<libc::sigaction, String> {
    // SAFETY: a zeroed `sigaction` is a valid value (no handler, empty mask); `sigaction` with a
    // null new action only writes the current one into it.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGUSR1, std::ptr::null(), &mut current) == 0 {
            Ok(current)
        } else {
            Err(format!(
                "could not read the SIGUSR1 handler: {}",
                std::io::Error::last_os_error()
            ))
        }
    }
}

fn this_thread() -> usize {
    // SAFETY: `pthread_self` has no preconditions and is async-signal-safe.
    unsafe { libc::pthread_self() as usize }
}

/// Marks this thread as inside a call with a deadline until the guard drops.
pub struct InCall {
    slot: &'static AtomicUsize,
}

impl InCall {
    #[inline]
    pub fn enter() -> Result<InCall> {
        let me = this_thread();
        // Start where this thread's id hashes to, so threads rarely probe the same slots.
        let start = (me >> 12) % IN_CALL_SLOTS;
        for offset in 0..IN_CALL_SLOTS {
            let slot = &IN_CALL[(start + offset) % IN_CALL_SLOTS];
            if slot
                .compare_exchange(0, me, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return Ok(InCall { slot });
            }
        }
        Err(Error::LimitReached(format!(
            "more than {IN_CALL_SLOTS} calls with a deadline are running at once in this process"
        )))
    }
}

impl Drop for InCall {
    fn drop(&mut self) {
        self.slot.store(0, Ordering::Release);
    }
}

fn in_call(thread: usize) -> bool {
    IN_CALL.iter().any(|slot| slot.load(Ordering::Acquire) == thread)
}

/// The SIGUSR1 handler: to this copy's wasmer when the thread is in one of its calls with a
/// deadline, to the handler installed before it otherwise.
extern "C" fn route_sigusr1(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let Some(handlers) = HANDLERS.get() else { return };
    // SAFETY: the kernel passes a valid siginfo to a handler installed with SA_SIGINFO; reading
    // its code and sender is what it is for. `getpid` is async-signal-safe.
    let from_this_process =
        unsafe { !info.is_null() && (*info).si_code == libc::SI_TKILL && (*info).si_pid() == libc::getpid() };
    // A watchdog's signal (`pthread_kill`) for a thread in this copy's call; anything else (a
    // `kill -USR1` from outside could land on that thread too) must not reach this wasmer, whose
    // handler would abort on a signal it did not send.
    let target = if from_this_process && in_call(this_thread()) {
        &handlers.wasmer
    } else {
        &handlers.previous
    };
    let handler = target.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Not sent by any wasmer in the process: dropping it is what keeps the JVM alive.
        return;
    }
    if target.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the kernel passed these arguments to this handler for this signal, and a
        // handler installed with SA_SIGINFO takes exactly them. It is this copy's wasmer handler
        // or whatever was installed before it, which its owner keeps valid while installed, as
        // the kernel itself relies on (this library's copies are linked with `-z nodelete`).
        let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(handler) };
        handler(signal, info, context);
    } else {
        // SAFETY: as above, for a handler installed without SA_SIGINFO, which takes the signal.
        let handler: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
        handler(signal);
    }
}
