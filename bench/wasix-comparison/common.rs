// Shared by wasix/ and handwritten/ (included with #[path]).
use std::time::Instant;

/// apply(x) calls fd_write(1, iovec{16,5}, 1, &nwritten) once and returns x + errno.
pub const WAT_FD_WRITE: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\05\00\00\00")
  (data (i32.const 16) "hello")
  (func (export "apply") (param i64) (result i64)
    (i64.add (local.get 0)
             (i64.extend_i32_u (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))
"#;

/// Same imports, but apply is pure: local.get 0.
pub const WAT_PURE: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "apply") (param i64) (result i64)
    (local.get 0)))
"#;

pub fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

pub const WARMUP: u64 = 10_000;
pub const CALLS: u64 = 200_000;

/// Mean ns per call over CALLS calls after WARMUP calls; panics if apply(x) != x.
pub fn mean_ns(mut call: impl FnMut(i64) -> i64) -> f64 {
    for i in 0..WARMUP as i64 {
        assert_eq!(call(i), i);
    }
    let start = Instant::now();
    for i in 0..CALLS as i64 {
        let r = call(i);
        if r != i {
            panic!("apply({i}) returned {r}");
        }
    }
    start.elapsed().as_nanos() as f64 / CALLS as f64
}

pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    s[s.len() / 2]
}

pub fn report(name: &str, t: [usize; 6], inst_us: f64, inst_pure_us: f64, w: &[f64], q: &[f64]) {
    println!("== {name}");
    println!("threads: start={} after_runtime={} after_compile={} after_instantiate={} after_1000_calls={} end={}", t[0], t[1], t[2], t[3], t[4], t[5]);
    println!("first instantiation (fd_write module): {inst_us:.0} us; pure module: {inst_pure_us:.0} us");
    println!("apply with fd_write, mean ns/call per round ({} calls after {} warm-up): {:.1?} median {:.1}", CALLS, WARMUP, w, median(w));
    println!("apply pure,          mean ns/call per round ({} calls after {} warm-up): {:.1?} median {:.1}", CALLS, WARMUP, q, median(q));
}
