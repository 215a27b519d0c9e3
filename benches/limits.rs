//! What the sandbox limits cost, in one run: the same guests called through `call_i64` with no
//! limit, with a fuel budget (metering compiled in), with a deadline (the watchdog's call
//! bookkeeping), and with both. Guests: a trivial call, Collatz steps of 27 (call-free compute,
//! a tight loop) and a memory-heavy loop (8,192 stores and loads of 64-bit words).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pulsar_wasm::{call_i64, load_i64, Limits};

const TRIVIAL: &str = r#"(module (func (export "apply") (param i64) (result i64) local.get 0 i64.const 1 i64.add))"#;

const COLLATZ: &str = r#"(module (func (export "apply") (param $n i64) (result i64) (local $steps i64)
  (block $done (loop $step
    (br_if $done (i64.le_u (local.get $n) (i64.const 1)))
    (if (i64.eqz (i64.and (local.get $n) (i64.const 1)))
      (then (local.set $n (i64.shr_u (local.get $n) (i64.const 1))))
      (else (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1)))))
    (local.set $steps (i64.add (local.get $steps) (i64.const 1)))
    (br $step)))
  (local.get $steps)))"#;

const MEMORY_HEAVY: &str = r#"(module (memory 1)
  (func (export "apply") (param $n i64) (result i64) (local $i i32) (local $sum i64)
    (loop $write
      (i64.store (i32.shl (local.get $i) (i32.const 3)) (i64.mul (i64.extend_i32_u (local.get $i)) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $write (i32.lt_u (local.get $i) (i32.const 8192))))
    (local.set $i (i32.const 0))
    (loop $read
      (local.set $sum (i64.add (local.get $sum) (i64.load (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $read (i32.lt_u (local.get $i) (i32.const 8192))))
    (local.get $sum)))"#;

fn limits(fuel: bool, deadline: bool) -> Limits {
    Limits {
        fuel_per_call: fuel.then_some(1 << 40),
        timeout: deadline.then_some(Duration::from_secs(10)),
        ..Limits::default()
    }
}

fn bench_limits(c: &mut Criterion) {
    for (name, wat, arg, expected) in [
        ("trivial", TRIVIAL, 41, 42),
        ("collatz(27)", COLLATZ, 27, 111),
        ("memory 64 KiB", MEMORY_HEAVY, 3, 3 * (8191 * 8192 / 2)),
    ] {
        for (label, fuel, deadline) in [
            ("no limit", false, false),
            ("fuel", true, false),
            ("deadline", false, true),
            ("fuel+deadline", true, true),
        ] {
            let handle = match load_i64(wat.as_bytes(), "apply", limits(fuel, deadline)) {
                Ok(handle) => handle,
                Err(err) => panic!("{name}: {err}"),
            };
            assert_eq!(call_i64(handle, arg), Ok(expected), "{name} with {label}");
            c.bench_function(&format!("{name} / {label}"), |b| {
                b.iter(|| call_i64(handle, black_box(arg)))
            });
        }
    }
}

criterion_group!(benches, bench_limits);
criterion_main!(benches);
