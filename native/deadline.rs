//! Wall-clock deadlines per call: one watchdog thread interrupts calls that run too long.
//!
//! wasmer's `experimental-host-interrupt` stops running wasm with a signal (SIGUSR1) sent to
//! the thread that runs it; the wasm traps with `HostInterrupt` and the store stays usable.
//! Delivery is best effort (a signal that lands just before the thread enters wasm is
//! ignored), so the watchdog repeats it until the call ends.
//!
//! The protocol below keeps a signal from outliving the call it was meant for. Each instance
//! has a [`Watch`] whose state the calling thread and the watchdog change with atomic
//! operations only: the watchdog signals only while the state says the call runs, and marks
//! the state before and after it signals. When a call ends and finds it was signalled, the
//! thread waits until the watchdog is done sending, then makes a system call: `pthread_kill`
//! queued the signal on the thread before it returned, and a pending signal is delivered when
//! the thread next returns from the kernel, so the signal is consumed there, outside wasm,
//! where wasmer's handler ignores it. It can therefore never interrupt a later call.
//!
//! SIGUSR1 belongs to this library: `crate::signals` routes it to the copy of the library
//! that sent it and drops the rest (a JVM has no handler of its own for it). A native library
//! that needs SIGUSR1 for itself cannot share a process with this one.

#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use wasmer::Interrupter;

use crate::error::{Error, Result};

/// How often the watchdog looks at running calls: a call stops at most this long (plus signal
/// delivery) after its deadline.
pub const TICK: Duration = Duration::from_millis(5);

const IDLE: u64 = 0;
/// The watchdog is sending a signal.
const SIGNALLING: u64 = 1;
/// The watchdog sent a signal and the call has not ended yet.
const SIGNALLED: u64 = 2;
/// States from here on are running calls: the deadline, in nanoseconds since [`epoch`].
const FIRST_DEADLINE: u64 = 3;

/// One instance's call state, shared by the thread that calls it and the watchdog.
pub struct Watch {
    state: AtomicU64,
    interrupter: Interrupter,
}

impl Watch {
    /// A watch for calls on the store `interrupter` belongs to, known to the watchdog. Fails
    /// when the watchdog thread could not be started: a deadline nobody enforces is refused.
    pub fn new(interrupter: Interrupter) -> Result<Arc<Watch>> {
        let watchdog = watchdog().map_err(|err| {
            Error::LimitReached(format!(
                "could not start the thread that enforces deadlines ({err}); free threads or memory, or load the function without a timeout"
            ))
        })?;
        let watch = Arc::new(Watch {
            state: AtomicU64::new(IDLE),
            interrupter,
        });
        watchdog.register(&watch);
        Ok(watch)
    }

    /// Marks a call with `timeout` as running; pass what it returns to [`Watch::finish`].
    #[inline]
    pub fn start(&self, timeout: Duration) -> u64 {
        let deadline = nanos_since_epoch(Instant::now())
            .saturating_add(u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX))
            .max(FIRST_DEADLINE);
        self.state.store(deadline, Ordering::Release);
        deadline
    }

    /// Marks the call as ended. Returns whether the watchdog signalled it; after this returns,
    /// no signal meant for it is left pending.
    #[inline]
    pub fn finish(&self, deadline: u64) -> bool {
        if self
            .state
            .compare_exchange(deadline, IDLE, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return false;
        }
        self.finish_signalled();
        true
    }

    #[cold]
    #[inline(never)]
    fn finish_signalled(&self) {
        // Wait for the watchdog to finish sending (it is between two stores, never blocked long).
        while self
            .state
            .compare_exchange(SIGNALLED, IDLE, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            std::thread::yield_now();
        }
        // A system call: the signal queued on this thread is delivered when it returns.
        std::thread::yield_now();
    }

    /// How long the running call has left before its deadline: zero when it is past it (or
    /// already signalled), `None` when no call with a deadline is running.
    pub fn remaining(&self) -> Option<Duration> {
        match self.state.load(Ordering::Acquire) {
            IDLE => None,
            SIGNALLING | SIGNALLED => Some(Duration::ZERO),
            deadline => Some(Duration::from_nanos(
                deadline.saturating_sub(nanos_since_epoch(Instant::now())),
            )),
        }
    }

    /// Signals the call if it is past its deadline, or again if an earlier signal missed it.
    fn poll(&self, now: u64) {
        let state = self.state.load(Ordering::Acquire);
        let due = state == SIGNALLED || (state >= FIRST_DEADLINE && state <= now);
        if due
            && self
                .state
                .compare_exchange(state, SIGNALLING, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            self.interrupter.interrupt();
            self.state.store(SIGNALLED, Ordering::Release);
        }
    }
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos_since_epoch(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX)
}

/// The watches of all live instances with a deadline, and the thread that polls them.
struct Watchdog {
    watches: Mutex<Vec<Weak<Watch>>>,
    wake: Condvar,
}

/// The watchdog, started on first use; the error of starting it, if that failed.
fn watchdog() -> std::result::Result<&'static Watchdog, &'static str> {
    static WATCHDOG: OnceLock<std::result::Result<&'static Watchdog, String>> = OnceLock::new();
    let started = WATCHDOG.get_or_init(|| {
        epoch();
        let watchdog: &'static Watchdog = Box::leak(Box::new(Watchdog {
            watches: Mutex::new(Vec::new()),
            wake: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("pulsar-wasm-watchdog".to_owned())
            .stack_size(256 << 10)
            .spawn(move || watchdog.run())
            .map(|_| watchdog)
            .map_err(|err| err.to_string())
    });
    started.as_ref().copied().map_err(String::as_str)
}

impl Watchdog {
    fn register(&self, watch: &Arc<Watch>) {
        let mut watches = self.watches.lock().unwrap_or_else(PoisonError::into_inner);
        watches.push(Arc::downgrade(watch));
        self.wake.notify_one();
    }

    fn run(&self) {
        loop {
            {
                let mut watches = self.watches.lock().unwrap_or_else(PoisonError::into_inner);
                watches.retain(|watch| watch.strong_count() > 0);
                // Sleep without ticking while no instance has a deadline.
                while watches.is_empty() {
                    watches = self.wake.wait(watches).unwrap_or_else(PoisonError::into_inner);
                    watches.retain(|watch| watch.strong_count() > 0);
                }
                let now = nanos_since_epoch(Instant::now());
                for watch in watches.iter().filter_map(Weak::upgrade) {
                    watch.poll(now);
                }
            }
            std::thread::sleep(TICK);
        }
    }
}
