//! WASI preview 1 (`wasi_snapshot_preview1`), written for a sandbox that grants nothing: no
//! files, no sockets, no host environment. What a function needs works as the specification
//! says (arguments and environment as configured, clocks, random bytes, stdout and stderr as
//! log lines, `sched_yield`, `poll_oneoff` on clocks and stdio, `proc_exit`, and the answers
//! about stdio that libc start-up asks for); every other function returns the error code the
//! specification gives for a descriptor that does not exist or cannot do that (`EBADF`,
//! `ESPIPE`, `ENOTDIR`, `ENOTSOCK`, ...), or `ENOSYS`. A bad pointer is `EFAULT`, never a trap.
//!
//! Why not `wasmer-wasix`: see the README ("WASI"); in short, it brings a tokio runtime and
//! a thread pool into every worker and about 180 crates, for a filesystem and network this
//! sandbox would deny anyway.

#![forbid(unsafe_code)]

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasmer::{AsStoreMut, Function, FunctionEnv, FunctionEnvMut, FunctionType, MemoryView, RuntimeError, Type, Value};

use crate::abi::HostEnv;

pub const MODULE: &str = "wasi_snapshot_preview1";

/// The error codes of preview 1 this host returns (`errno` in the specification).
pub mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const FAULT: i32 = 21;
    pub const INVAL: i32 = 28;
    pub const NOSYS: i32 = 52;
    pub const NOTDIR: i32 = 54;
    pub const NOTSOCK: i32 = 57;
    pub const NOTSUP: i32 = 58;
    pub const OVERFLOW: i32 = 61;
    pub const SPIPE: i32 = 70;
}

/// `proc_exit` ends the call with this error; the instance is then discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcExit(pub i32);

impl std::fmt::Display for ProcExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the guest called proc_exit({})", self.0)
    }
}

impl std::error::Error for ProcExit {}

/// A WASI sleep reached the call's deadline: the call ends as a deadline exceeded.
#[derive(Debug, Clone, Copy)]
pub struct SleptToDeadline;

impl std::fmt::Display for SleptToDeadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the guest slept (poll_oneoff) until the call's deadline")
    }
}

impl std::error::Error for SleptToDeadline {}

const I: Type = Type::I32;
const L: Type = Type::I64;

/// Every function of preview 1: name and parameters. All return an `errno` (`i32`) but
/// `proc_exit`, which returns nothing.
const FUNCTIONS: &[(&str, &[Type])] = &[
    ("args_get", &[I, I]),
    ("args_sizes_get", &[I, I]),
    ("environ_get", &[I, I]),
    ("environ_sizes_get", &[I, I]),
    ("clock_res_get", &[I, I]),
    ("clock_time_get", &[I, L, I]),
    ("fd_advise", &[I, L, L, I]),
    ("fd_allocate", &[I, L, L]),
    ("fd_close", &[I]),
    ("fd_datasync", &[I]),
    ("fd_fdstat_get", &[I, I]),
    ("fd_fdstat_set_flags", &[I, I]),
    ("fd_fdstat_set_rights", &[I, L, L]),
    ("fd_filestat_get", &[I, I]),
    ("fd_filestat_set_size", &[I, L]),
    ("fd_filestat_set_times", &[I, L, L, I]),
    ("fd_pread", &[I, I, I, L, I]),
    ("fd_prestat_get", &[I, I]),
    ("fd_prestat_dir_name", &[I, I, I]),
    ("fd_pwrite", &[I, I, I, L, I]),
    ("fd_read", &[I, I, I, I]),
    ("fd_readdir", &[I, I, I, L, I]),
    ("fd_renumber", &[I, I]),
    ("fd_seek", &[I, L, I, I]),
    ("fd_sync", &[I]),
    ("fd_tell", &[I, I]),
    ("fd_write", &[I, I, I, I]),
    ("path_create_directory", &[I, I, I]),
    ("path_filestat_get", &[I, I, I, I, I]),
    ("path_filestat_set_times", &[I, I, I, I, L, L, I]),
    ("path_link", &[I, I, I, I, I, I, I]),
    ("path_open", &[I, I, I, I, I, L, L, I, I]),
    ("path_readlink", &[I, I, I, I, I, I]),
    ("path_remove_directory", &[I, I, I]),
    ("path_rename", &[I, I, I, I, I, I]),
    ("path_symlink", &[I, I, I, I, I]),
    ("path_unlink_file", &[I, I, I]),
    ("poll_oneoff", &[I, I, I, I]),
    ("proc_exit", &[I]),
    ("proc_raise", &[I]),
    ("sched_yield", &[]),
    ("random_get", &[I, I]),
    ("sock_accept", &[I, I, I]),
    ("sock_recv", &[I, I, I, I, I, I]),
    ("sock_send", &[I, I, I, I, I]),
    ("sock_shutdown", &[I, I]),
];

/// The type of the preview 1 function `name`, `None` if preview 1 has no such function.
pub fn signature(name: &str) -> Option<FunctionType> {
    let (_, params) = FUNCTIONS.iter().find(|(n, _)| *n == name)?;
    let results: &[Type] = if name == "proc_exit" { &[] } else { &[I] };
    Some(FunctionType::new(*params, results))
}

/// The names of preview 1, for error messages.
pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|(name, _)| *name)
}

/// What a guest sees of its process: arguments and environment, as configured (none by
/// default).
#[derive(Debug, Clone, Default)]
pub struct WasiConfig {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl WasiConfig {
    fn environ(&self) -> Vec<Vec<u8>> {
        self.env.iter().map(|(k, v)| format!("{k}={v}").into_bytes()).collect()
    }

    fn argv(&self) -> Vec<Vec<u8>> {
        self.args.iter().map(|a| a.clone().into_bytes()).collect()
    }
}

/// One instance's stdio: what is closed, and the unfinished line of stdout and stderr.
#[derive(Default)]
pub struct Stdio {
    closed: [bool; 3],
    partial: [Vec<u8>; 2],
    /// Set by `run_command` (tests, tools): output is kept here as written, not logged.
    pub(crate) captured: Option<[Vec<u8>; 2]>,
}

/// stdout lines are logged at info, stderr lines at warn.
const STREAM_LEVEL: [u8; 2] = [2, 3];

impl HostEnv {
    /// Writes `bytes` to stdout (1) or stderr (2): each complete line becomes a log line, a
    /// line longer than the log's cap is cut into pieces of that size.
    fn stdio_write(&mut self, fd: usize, bytes: &[u8]) {
        let stream = fd - 1;
        if let Some(captured) = &mut self.stdio.captured {
            captured[stream].extend_from_slice(bytes);
            return;
        }
        let mut partial = std::mem::take(&mut self.stdio.partial[stream]);
        for &byte in bytes {
            if byte == b'\n' {
                self.guest_output(STREAM_LEVEL[stream], &partial);
                partial.clear();
            } else {
                partial.push(byte);
                if partial.len() >= crate::abi::MAX_LOG_LINE {
                    self.guest_output(STREAM_LEVEL[stream], &partial);
                    partial.clear();
                }
            }
        }
        self.stdio.partial[stream] = partial;
    }

    /// Logs the unfinished lines of stdout and stderr (at the end of a record, so that its
    /// output goes with it).
    pub(crate) fn flush_stdio(&mut self) {
        for (stream, level) in STREAM_LEVEL.into_iter().enumerate() {
            if !self.stdio.partial[stream].is_empty() {
                let line = std::mem::take(&mut self.stdio.partial[stream]);
                self.guest_output(level, &line);
            }
        }
    }
}

type Env<'a> = FunctionEnvMut<'a, HostEnv>;
type Errno = Result<i32, RuntimeError>;

/// The host function for the preview 1 import `name`, `None` if preview 1 has no such function.
pub fn function(name: &str, store: &mut impl AsStoreMut, env: &FunctionEnv<HostEnv>) -> Option<Function> {
    Some(match name {
        "args_get" => Function::new_typed_with_env(store, env, |env: Env<'_>, argv: i32, buf: i32| {
            let list = env.data().spec.wasi.argv();
            write_list(&env, &list, argv, buf)
        }),
        "args_sizes_get" => Function::new_typed_with_env(store, env, |env: Env<'_>, count: i32, size: i32| {
            let list = env.data().spec.wasi.argv();
            write_sizes(&env, &list, count, size)
        }),
        "environ_get" => Function::new_typed_with_env(store, env, |env: Env<'_>, environ: i32, buf: i32| {
            let list = env.data().spec.wasi.environ();
            write_list(&env, &list, environ, buf)
        }),
        "environ_sizes_get" => Function::new_typed_with_env(store, env, |env: Env<'_>, count: i32, size: i32| {
            let list = env.data().spec.wasi.environ();
            write_sizes(&env, &list, count, size)
        }),
        "clock_res_get" => Function::new_typed_with_env(store, env, |env: Env<'_>, id: i32, out: i32| {
            match clock_resolution(id) {
                Ok(res) => store_u64(&env, out, res),
                Err(code) => code,
            }
        }),
        "clock_time_get" => Function::new_typed_with_env(
            store,
            env,
            |env: Env<'_>, id: i32, _precision: i64, out: i32| match now(id) {
                Ok(time) => store_u64(&env, out, time),
                Err(code) => code,
            },
        ),
        "random_get" => Function::new_typed_with_env(store, env, random_get),
        "fd_write" => Function::new_typed_with_env(store, env, fd_write),
        "fd_read" => Function::new_typed_with_env(store, env, fd_read),
        "fd_close" => Function::new_typed_with_env(store, env, |mut env: Env<'_>, fd: i32| match stdio(&env, fd) {
            Some(fd) => {
                env.data_mut().stdio.closed[fd] = true;
                errno::SUCCESS
            }
            None => errno::BADF,
        }),
        "fd_fdstat_get" => Function::new_typed_with_env(store, env, fd_fdstat_get),
        "fd_filestat_get" => Function::new_typed_with_env(store, env, fd_filestat_get),
        "fd_prestat_get" => Function::new_typed_with_env(store, env, |_: Env<'_>, _fd: i32, _out: i32| errno::BADF),
        "fd_prestat_dir_name" => {
            Function::new_typed_with_env(store, env, |_: Env<'_>, _fd: i32, _p: i32, _n: i32| errno::BADF)
        }
        "poll_oneoff" => Function::new_typed_with_env(store, env, poll_oneoff),
        "proc_exit" => Function::new_typed_with_env(store, env, |_: Env<'_>, code: i32| -> Result<(), RuntimeError> {
            Err(RuntimeError::user(Box::new(ProcExit(code))))
        }),
        "sched_yield" => Function::new_typed_with_env(store, env, |_: Env<'_>| -> Errno {
            std::thread::yield_now();
            Ok(errno::SUCCESS)
        }),
        other => {
            let ty = signature(other)?;
            let code = denied(other);
            Function::new_with_env(store, env, ty, move |env: Env<'_>, args: &[Value]| {
                let fd = args.first().and_then(Value::i32);
                let open_stdio = fd.is_some_and(|fd| stdio(&env, fd).is_some());
                Ok(vec![Value::I32(code(open_stdio))])
            })
        }
    })
}

/// The error code of a function this host denies: given whether its first argument is an open
/// stdio descriptor (for the functions that take one).
fn denied(name: &str) -> fn(bool) -> i32 {
    fn bad_or(code: i32) -> fn(bool) -> i32 {
        match code {
            errno::SPIPE => |stdio| if stdio { errno::SPIPE } else { errno::BADF },
            errno::NOTDIR => |stdio| if stdio { errno::NOTDIR } else { errno::BADF },
            errno::NOTSOCK => |stdio| if stdio { errno::NOTSOCK } else { errno::BADF },
            errno::INVAL => |stdio| if stdio { errno::INVAL } else { errno::BADF },
            _ => |stdio| if stdio { errno::NOTSUP } else { errno::BADF },
        }
    }
    match name {
        // Stdio is a character device: no offsets.
        "fd_seek" | "fd_tell" | "fd_pread" | "fd_pwrite" | "fd_advise" | "fd_allocate" => bad_or(errno::SPIPE),
        // No directories: no preopens, and stdio is not one.
        "fd_readdir" => bad_or(errno::NOTDIR),
        name if name.starts_with("path_") => bad_or(errno::NOTDIR),
        name if name.starts_with("sock_") => bad_or(errno::NOTSOCK),
        "fd_sync" | "fd_datasync" | "fd_filestat_set_size" | "fd_filestat_set_times" => bad_or(errno::INVAL),
        "fd_fdstat_set_flags" | "fd_fdstat_set_rights" | "fd_renumber" => bad_or(errno::NOTSUP),
        _ => |_| errno::NOSYS,
    }
}

/// `Some(fd)` when `fd` is an open stdio descriptor.
fn stdio(env: &Env<'_>, fd: i32) -> Option<usize> {
    let fd = usize::try_from(fd).ok().filter(|fd| *fd < 3)?;
    (!env.data().stdio.closed[fd]).then_some(fd)
}

fn view<'a>(env: &'a Env<'_>) -> Option<MemoryView<'a>> {
    env.data().memory.as_ref().map(|memory| memory.view(env))
}

/// Writes `bytes` at `ptr`; `false` when they do not fit in memory.
fn store(env: &Env<'_>, ptr: i32, bytes: &[u8]) -> bool {
    view(env).is_some_and(|view| view.write(u64::from(ptr as u32), bytes).is_ok())
}

/// `SUCCESS` when a result was stored, `EFAULT` when its place was outside memory.
fn stored(ok: bool) -> i32 {
    if ok {
        errno::SUCCESS
    } else {
        errno::FAULT
    }
}

fn store_u64(env: &Env<'_>, ptr: i32, value: u64) -> i32 {
    stored(store(env, ptr, &value.to_le_bytes()))
}

/// The `len` bytes at `ptr`; `None` when they are not inside memory (checked before anything is
/// allocated, so a made-up length cannot make the host allocate gigabytes).
fn load(env: &Env<'_>, ptr: u32, len: u32) -> Option<Vec<u8>> {
    let view = view(env)?;
    if u64::from(ptr) + u64::from(len) > view.data_size() {
        return None;
    }
    let mut bytes = vec![0; len as usize];
    view.read(u64::from(ptr), &mut bytes).ok()?;
    Some(bytes)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(b)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

/// `args_get`/`environ_get`: the pointers at `ptrs`, the NUL-terminated strings at `buf`.
fn write_list(env: &Env<'_>, list: &[Vec<u8>], ptrs: i32, buf: i32) -> i32 {
    let mut at = buf as u32;
    let mut pointers = Vec::with_capacity(list.len() * 4);
    let mut strings = Vec::new();
    for item in list {
        pointers.extend_from_slice(&at.to_le_bytes());
        strings.extend_from_slice(item);
        strings.push(0);
        at = at.wrapping_add(item.len() as u32 + 1);
    }
    stored(store(env, ptrs, &pointers) && store(env, buf, &strings))
}

/// `args_sizes_get`/`environ_sizes_get`: the count and the bytes the strings need.
fn write_sizes(env: &Env<'_>, list: &[Vec<u8>], count: i32, size: i32) -> i32 {
    let bytes: usize = list.iter().map(|item| item.len() + 1).sum();
    let (Ok(n), Ok(bytes)) = (u32::try_from(list.len()), u32::try_from(bytes)) else {
        return errno::OVERFLOW;
    };
    stored(store(env, count, &n.to_le_bytes()) && store(env, size, &bytes.to_le_bytes()))
}

const REALTIME: i32 = 0;
const MONOTONIC: i32 = 1;
const PROCESS_CPUTIME: i32 = 2;
const THREAD_CPUTIME: i32 = 3;

fn clock_resolution(id: i32) -> Result<u64, i32> {
    match id {
        REALTIME | MONOTONIC => Ok(1),
        // CPU time of the worker's process or thread would tell a guest about its neighbours.
        PROCESS_CPUTIME | THREAD_CPUTIME => Err(errno::NOTSUP),
        _ => Err(errno::INVAL),
    }
}

fn now(id: i32) -> Result<u64, i32> {
    clock_resolution(id)?;
    let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    Ok(if id == REALTIME {
        nanos(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default())
    } else {
        monotonic_nanos(Instant::now())
    })
}

/// Nanoseconds since the first look at the monotonic clock, plus one second, so that the
/// first reading is not zero (some guests treat zero as "unset").
fn monotonic_nanos(at: Instant) -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(|| Instant::now() - Duration::from_secs(1));
    u64::try_from(at.saturating_duration_since(base).as_nanos()).unwrap_or(u64::MAX)
}

fn random_get(env: Env<'_>, buf: i32, len: i32) -> Errno {
    let mut at = buf as u32;
    let mut left = len as u32;
    let mut chunk = [0u8; 256];
    // Checked first, so a bad buffer is EFAULT before any byte is written.
    if u64::from(at) + u64::from(left) > view(&env).map_or(0, |v| v.data_size()) {
        return Ok(errno::FAULT);
    }
    while left > 0 {
        let n = left.min(chunk.len() as u32) as usize;
        if !fill_random(&mut chunk[..n]) {
            return Err(RuntimeError::new("the host's random number source failed"));
        }
        if !store(&env, at as i32, &chunk[..n]) {
            return Ok(errno::FAULT);
        }
        at = at.wrapping_add(n as u32);
        left -= n as u32;
    }
    Ok(errno::SUCCESS)
}

/// Fills `buf` from the kernel's random source (`getrandom(2)`, through std's file API on
/// `/dev/urandom` so no unsafe code is needed here).
fn fill_random(buf: &mut [u8]) -> bool {
    use std::io::Read;
    static URANDOM: OnceLock<Option<std::fs::File>> = OnceLock::new();
    match URANDOM.get_or_init(|| std::fs::File::open("/dev/urandom").ok()) {
        Some(file) => (&*file).read_exact(buf).is_ok(),
        None => false,
    }
}

/// The `(ptr, len)` pairs of an iovec array; `None` when it is not inside memory.
fn iovecs(env: &Env<'_>, iovs: i32, count: i32) -> Option<Vec<(u32, u32)>> {
    let count = u32::try_from(count).ok()?;
    let raw = load(env, iovs as u32, count.checked_mul(8)?)?;
    Some(raw.chunks_exact(8).map(|c| (u32_at(c, 0), u32_at(c, 4))).collect())
}

fn fd_write(mut env: Env<'_>, fd: i32, iovs: i32, count: i32, nwritten: i32) -> Errno {
    let fd = match stdio(&env, fd) {
        Some(fd @ (1 | 2)) => fd,
        Some(_) | None => return Ok(errno::BADF),
    };
    let Some(vectors) = iovecs(&env, iovs, count) else {
        return Ok(errno::FAULT);
    };
    let mut bytes = Vec::new();
    for (ptr, len) in vectors {
        match load(&env, ptr, len) {
            Some(part) => bytes.extend_from_slice(&part),
            None => return Ok(errno::FAULT),
        }
    }
    let Ok(written) = u32::try_from(bytes.len()) else {
        return Ok(errno::INVAL);
    };
    if !store(&env, nwritten, &written.to_le_bytes()) {
        return Ok(errno::FAULT);
    }
    env.data_mut().stdio_write(fd, &bytes);
    Ok(errno::SUCCESS)
}

/// stdin is empty: reading it is the end of the file.
fn fd_read(env: Env<'_>, fd: i32, iovs: i32, count: i32, nread: i32) -> Errno {
    match stdio(&env, fd) {
        Some(0) => {}
        Some(_) | None => return Ok(errno::BADF),
    }
    if iovecs(&env, iovs, count).is_none() {
        return Ok(errno::FAULT);
    }
    Ok(stored(store(&env, nread, &0u32.to_le_bytes())))
}

const FILETYPE_CHARACTER_DEVICE: u8 = 2;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_WRITE: u64 = 1 << 6;
const RIGHT_POLL_FD_READWRITE: u64 = 1 << 27;

/// stdio is a character device: readable (stdin) or writable (stdout, stderr), pollable, with
/// no offset (no `fd_seek`/`fd_tell` rights).
fn fd_fdstat_get(env: Env<'_>, fd: i32, out: i32) -> Errno {
    let Some(fd) = stdio(&env, fd) else {
        return Ok(errno::BADF);
    };
    let rights = RIGHT_POLL_FD_READWRITE | if fd == 0 { RIGHT_FD_READ } else { RIGHT_FD_WRITE };
    let mut stat = [0u8; 24];
    stat[0] = FILETYPE_CHARACTER_DEVICE;
    stat[8..16].copy_from_slice(&rights.to_le_bytes());
    Ok(stored(store(&env, out, &stat)))
}

fn fd_filestat_get(env: Env<'_>, fd: i32, out: i32) -> Errno {
    if stdio(&env, fd).is_none() {
        return Ok(errno::BADF);
    }
    let mut stat = [0u8; 64];
    stat[16] = FILETYPE_CHARACTER_DEVICE;
    Ok(stored(store(&env, out, &stat)))
}

const EVENT_CLOCK: u8 = 0;
const EVENT_FD_READ: u8 = 1;
const EVENT_FD_WRITE: u8 = 2;
const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
const EVENT_FD_READWRITE_HANGUP: u16 = 1;

/// Clock subscriptions sleep, never past the call's deadline (reaching it ends the call as a
/// deadline exceeded); stdio is always ready (stdin at its end); other descriptors are
/// reported with `EBADF`.
fn poll_oneoff(env: Env<'_>, subs: i32, events: i32, count: i32, nevents: i32) -> Errno {
    let Ok(count) = u32::try_from(count) else {
        return Ok(errno::INVAL);
    };
    if count == 0 {
        return Ok(errno::INVAL);
    }
    let Some(raw) = count.checked_mul(48).and_then(|len| load(&env, subs as u32, len)) else {
        return Ok(errno::FAULT);
    };
    let mut ready: Vec<[u8; 32]> = Vec::new();
    let mut clocks: Vec<(u64, Instant)> = Vec::new();
    let started = Instant::now();
    for sub in raw.chunks_exact(48) {
        let userdata = u64_at(sub, 0);
        let tag = sub[8];
        let mut event = [0u8; 32];
        event[0..8].copy_from_slice(&userdata.to_le_bytes());
        event[10] = tag;
        match tag {
            EVENT_CLOCK => {
                let id = u32_at(sub, 16) as i32;
                let timeout = u64_at(sub, 24);
                let absolute = u16::from_le_bytes([sub[40], sub[41]]) & SUBSCRIPTION_CLOCK_ABSTIME != 0;
                let wait = match (absolute, now(id)) {
                    (_, Err(code)) => {
                        event[8..10].copy_from_slice(&(code as u16).to_le_bytes());
                        ready.push(event);
                        continue;
                    }
                    (true, Ok(current)) => timeout.saturating_sub(current),
                    (false, Ok(_)) => timeout,
                };
                // At most a century: any longer is "forever", and the sum cannot overflow.
                let wait = Duration::from_nanos(wait).min(Duration::from_secs(100 * 365 * 24 * 3600));
                clocks.push((userdata, started + wait));
            }
            EVENT_FD_READ | EVENT_FD_WRITE => {
                let fd = u32_at(sub, 16) as i32;
                match stdio(&env, fd) {
                    Some(0) if tag == EVENT_FD_READ => {
                        event[24..26].copy_from_slice(&EVENT_FD_READWRITE_HANGUP.to_le_bytes());
                    }
                    Some(1 | 2) if tag == EVENT_FD_WRITE => {}
                    Some(_) => event[8..10].copy_from_slice(&(errno::BADF as u16).to_le_bytes()),
                    None => event[8..10].copy_from_slice(&(errno::BADF as u16).to_le_bytes()),
                }
                ready.push(event);
            }
            _ => return Ok(errno::INVAL),
        }
    }
    if ready.is_empty() {
        if let Some(first) = clocks.iter().map(|(_, at)| *at).min() {
            let deadline = env
                .data()
                .watch
                .as_ref()
                .and_then(|watch| watch.remaining())
                .map(|left| Instant::now() + left);
            let wake = deadline.map_or(first, |deadline| first.min(deadline));
            let now = Instant::now();
            if wake > now {
                std::thread::sleep(wake - now);
            }
            if deadline.is_some_and(|deadline| deadline < first) {
                return Err(RuntimeError::user(Box::new(SleptToDeadline)));
            }
            let now = Instant::now().max(first);
            for (userdata, at) in &clocks {
                if *at <= now {
                    let mut event = [0u8; 32];
                    event[0..8].copy_from_slice(&userdata.to_le_bytes());
                    event[10] = EVENT_CLOCK;
                    ready.push(event);
                }
            }
        }
    }
    let flat: Vec<u8> = ready.iter().flatten().copied().collect();
    if !store(&env, events, &flat) || !store(&env, nevents, &(ready.len() as u32).to_le_bytes()) {
        return Ok(errno::FAULT);
    }
    Ok(errno::SUCCESS)
}

/// What a WASI command left behind: its exit code (0 when `_start` returned) and its output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    pub exit_code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs a WASI command (`_start`) once under this host's preview 1, with stdout and stderr
/// kept as written: for conformance tests and tools, never for functions (which are reactors).
/// The module may import WASI only.
pub fn run_command(bytes: &[u8], wasi: WasiConfig, limits: &crate::Limits) -> crate::Result<CommandOutput> {
    use crate::error::Error;
    // The instance is made as a function's is; only its stdio is kept rather than logged.
    let def = crate::function::FunctionDef {
        module: crate::module::compile(bytes, limits)?,
        export: crate::abi::START.to_owned(),
        entry: crate::abi::Entry::I64 {
            export: crate::abi::START.to_owned(),
        },
        limits: *limits,
        spec: std::sync::Arc::new(crate::HostSpec::default().with_wasi(wasi)),
    };
    let (mut store, instance, env) = crate::function::new_instance(&def)?;
    if let Some(env) = &env {
        env.as_mut(&mut store).stdio.captured = Some(Default::default());
    }
    let start = instance
        .exports
        .get_typed_function::<(), ()>(&store, crate::abi::START)
        .map_err(|e| Error::Abi(format!("not a WASI command: {e}")))?;
    let exit_code = match start.call(&mut store) {
        Ok(()) => 0,
        Err(trap) => match trap.downcast_ref::<ProcExit>() {
            Some(exit) => exit.0,
            None => return Err(Error::from_runtime(trap)),
        },
    };
    // A command that imports nothing has no env, and wrote nothing.
    let [stdout, stderr] = env
        .and_then(|env| env.as_mut(&mut store).stdio.captured.take())
        .unwrap_or_default();
    Ok(CommandOutput {
        exit_code,
        stdout,
        stderr,
    })
}
