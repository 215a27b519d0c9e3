//! What the sandbox limits cost, in one run: the same guests called through `call_i64` with no
//! limit, with a fuel budget (metering compiled in), with a deadline (the watchdog's call
//! bookkeeping), and with both. Guests: a trivial call, Collatz steps of 27 (call-free compute,
//! a tight loop) and a memory-heavy loop (8,192 stores and loads of 64-bit words).

mod common;

use common::{COLLATZ, MEMORY_HEAVY, TRIVIAL};
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pulsar_wasm::{call_i64, load_i64, Limits};

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
