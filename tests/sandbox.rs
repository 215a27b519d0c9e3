//! The sandbox limits: fuel per call, the deadline per call, memory and table caps, and start
//! functions. Each limit stops its guest with its own error, and the function keeps working.

use std::time::{Duration, Instant};

use pulsar_wasm::{call_i64, load_i64, unload, Error, Handle, Limits};

/// `apply(0)` loops forever, `apply(1)` executes `unreachable`, `apply(n)` loops n times and
/// returns n + 1.
const SPIN: &str = r#"(module
  (func (export "apply") (param $n i64) (result i64) (local $i i64)
    (if (i64.eqz (local.get $n)) (then (loop $forever (br $forever))))
    (if (i64.eq (local.get $n) (i64.const 1)) (then unreachable))
    (loop $count
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $count (i64.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $n) (i64.const 1))))"#;

fn limits(fuel: Option<u64>, timeout: Option<Duration>) -> Limits {
    Limits {
        fuel_per_call: fuel,
        timeout,
        ..Limits::default()
    }
}

fn load(wat: &str, limits: Limits) -> Handle {
    match load_i64(wat.as_bytes(), "apply", limits) {
        Ok(handle) => handle,
        Err(err) => panic!("load failed: {err}"),
    }
}

#[test]
fn fuel_stops_an_endless_loop_and_the_function_keeps_working() {
    let handle = load(SPIN, limits(Some(1_000_000), None));
    for _ in 0..3 {
        match call_i64(handle, 0) {
            Err(err @ Error::FuelExhausted { fuel: 1_000_000, .. }) => {
                assert!(err.to_string().contains("wasm.fuel.perCall"), "{err}");
            }
            other => panic!("expected fuel exhaustion, got {other:?}"),
        }
        assert_eq!(call_i64(handle, 1000), Ok(1001));
    }
    assert!(unload(handle));
}

#[test]
fn fuel_exhaustion_is_told_apart_from_a_guest_unreachable() {
    let handle = load(SPIN, limits(Some(1_000_000), None));
    match call_i64(handle, 1) {
        Err(Error::Trap { code: Some(code), .. }) => assert_eq!(code, "UnreachableCodeReached"),
        other => panic!("expected the guest's own unreachable trap, got {other:?}"),
    }
    assert!(unload(handle));
}

#[test]
fn fuel_is_counted_per_call_and_deterministically() {
    // Find the smallest budget that lets apply(100) finish; it must be the same every time,
    // and a budget one smaller must fail every time.
    let fits = |fuel: u64| {
        let handle = load(SPIN, limits(Some(fuel), None));
        let ok = call_i64(handle, 100).is_ok();
        unload(handle);
        ok
    };
    assert!(fits(10_000), "apply(100) does not fit in 10,000 instructions");
    let (mut too_small, mut enough) = (1u64, 10_000u64);
    while enough - too_small > 1 {
        let mid = (too_small + enough) / 2;
        if fits(mid) {
            enough = mid;
        } else {
            too_small = mid;
        }
    }
    let needed = enough;
    assert!(needed > 100, "a 100-iteration loop cannot cost {needed} instructions");
    let exact = load(SPIN, limits(Some(needed), None));
    let short = load(SPIN, limits(Some(needed - 1), None));
    for _ in 0..100 {
        // The budget is reset before each call, not carried over.
        assert_eq!(call_i64(exact, 100), Ok(101));
        assert!(matches!(call_i64(short, 100), Err(Error::FuelExhausted { .. })));
    }
    unload(exact);
    unload(short);
}

#[test]
fn the_deadline_stops_an_endless_loop_and_the_next_call_runs() {
    let timeout = Duration::from_millis(200);
    let handle = load(SPIN, limits(None, Some(timeout)));
    for _ in 0..3 {
        let started = Instant::now();
        match call_i64(handle, 0) {
            Err(err @ Error::DeadlineExceeded { .. }) => {
                assert!(err.to_string().contains("200 ms"), "{err}");
                assert!(err.to_string().contains("wasm.timeout.ms"), "{err}");
            }
            other => panic!("expected the deadline, got {other:?}"),
        }
        let took = started.elapsed();
        assert!(took >= timeout, "stopped after {took:?}, before the deadline");
        assert!(took < timeout + Duration::from_secs(5), "stopped only after {took:?}");
        assert_eq!(call_i64(handle, 10), Ok(11));
    }
    assert!(unload(handle));
}

#[test]
fn calls_ending_at_their_deadline_never_disturb_later_calls() {
    // Calls that take about as long as their deadline race the watchdog. Each must either
    // finish with its result or fail with the deadline: a signal that reached a later call
    // would show up as another error (or a deadline on a call far shorter than its limit).
    let racing = load(SPIN, limits(None, Some(Duration::from_millis(1))));
    let quick = load(SPIN, limits(None, Some(Duration::from_secs(30))));
    let iterations = calibrate_iterations(Duration::from_millis(1));
    let (mut finished, mut stopped) = (0, 0);
    for _ in 0..1000 {
        match call_i64(racing, iterations) {
            Ok(result) => {
                assert_eq!(result, iterations + 1);
                finished += 1;
            }
            Err(Error::DeadlineExceeded { .. }) => stopped += 1,
            Err(other) => panic!("a racing call failed otherwise: {other}"),
        }
        assert_eq!(call_i64(quick, 5), Ok(6));
        assert_eq!(call_i64(racing, 5), Ok(6), "a short call after a race was disturbed");
    }
    assert!(
        stopped > 0,
        "no call was stopped ({finished} finished): the race was not exercised"
    );
    unload(racing);
    unload(quick);
}

/// Loop iterations of SPIN that take about `target` on this machine.
fn calibrate_iterations(target: Duration) -> i64 {
    let handle = load(SPIN, limits(None, None));
    let mut iterations = 1000i64;
    loop {
        let started = Instant::now();
        assert_eq!(call_i64(handle, iterations), Ok(iterations + 1));
        if started.elapsed() >= target || iterations > 1 << 40 {
            unload(handle);
            return iterations;
        }
        iterations *= 2;
    }
}

#[test]
fn deadline_and_fuel_together_each_report_their_own_limit() {
    let handle = load(SPIN, limits(Some(10_000_000), Some(Duration::from_secs(30))));
    assert!(matches!(call_i64(handle, 0), Err(Error::FuelExhausted { .. })));
    let handle2 = load(SPIN, limits(Some(u64::MAX), Some(Duration::from_millis(50))));
    assert!(matches!(call_i64(handle2, 0), Err(Error::DeadlineExceeded { .. })));
    assert_eq!(call_i64(handle, 3), Ok(4));
    assert_eq!(call_i64(handle2, 3), Ok(4));
    unload(handle);
    unload(handle2);
}

/// Grows memory one page at a time until `memory.grow` fails; returns the pages reached. With
/// an argument of 1 it traps (as a guest whose allocation failed would) instead of returning.
const GROW: &str = r#"(module (memory (export "memory") 1)
  (func (export "apply") (param $trap i64) (result i64)
    (block $full (loop $grow
      (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $grow)))
    (if (i64.eq (local.get $trap) (i64.const 1)) (then unreachable))
    (i64.extend_i32_u (memory.size))))"#;

#[test]
fn memory_grows_to_its_cap_and_no_further() {
    let capped = Limits {
        memory_pages: 16,
        ..Limits::default()
    };
    let handle = load(GROW, capped);
    assert_eq!(call_i64(handle, 0), Ok(16));
    match call_i64(handle, 1) {
        Err(err @ Error::MemoryCapTrap { pages: 16, .. }) => {
            let text = err.to_string();
            assert!(
                text.contains("wasm.memory.maxPages") && text.contains("unreachable"),
                "{text}"
            );
        }
        other => panic!("expected a trap at the memory cap, got {other:?}"),
    }
    // A fresh instance starts again from one page.
    assert_eq!(call_i64(handle, 0), Ok(16));
    unload(handle);
    let default = load(GROW, Limits::default());
    assert_eq!(call_i64(default, 0), Ok(i64::from(Limits::default().memory_pages)));
    unload(default);
}

#[test]
fn a_declared_maximum_above_the_cap_is_lowered_to_it() {
    let wat = GROW.replace("(memory (export \"memory\") 1)", "(memory (export \"memory\") 1 65536)");
    let handle = load(
        &wat,
        Limits {
            memory_pages: 8,
            ..Limits::default()
        },
    );
    assert_eq!(call_i64(handle, 0), Ok(8));
    unload(handle);
}

#[test]
fn a_module_whose_initial_memory_or_table_exceeds_the_cap_fails_to_load() {
    let memory = r#"(module (memory 50) (func (export "apply") (param i64) (result i64) local.get 0))"#;
    let small = Limits {
        memory_pages: 4,
        table_elements: 10,
        ..Limits::default()
    };
    match load_i64(memory.as_bytes(), "apply", small) {
        Err(Error::LimitReached(msg)) => {
            assert!(
                msg.contains("50 pages") && msg.contains("wasm.memory.maxPages"),
                "{msg}"
            )
        }
        other => panic!("expected a memory limit error, got {other:?}"),
    }
    let table = r#"(module (table 11 funcref) (func (export "apply") (param i64) (result i64) local.get 0))"#;
    match load_i64(table.as_bytes(), "apply", small) {
        Err(Error::LimitReached(msg)) => {
            assert!(
                msg.contains("11 elements") && msg.contains("wasm.table.maxElements"),
                "{msg}"
            )
        }
        other => panic!("expected a table limit error, got {other:?}"),
    }
}

#[test]
fn a_huge_table_grow_returns_minus_one_instead_of_allocating() {
    // A delta of about 3.3 billion once made wasmer try to allocate 26.5 GB and abort the process.
    for delta in ["0xC4000000", "0x7fffffff", "100001"] {
        let wat = format!(
            r#"(module (table 0 funcref)
              (func (export "apply") (param i64) (result i64)
                (i64.extend_i32_s (table.grow 0 (ref.null func) (i32.const {delta})))))"#
        );
        let handle = load(&wat, Limits::default());
        assert_eq!(call_i64(handle, 0), Ok(-1), "table.grow by {delta}");
        unload(handle);
    }
    let fits = r#"(module (table 0 funcref)
      (func (export "apply") (param i64) (result i64)
        (drop (table.grow 0 (ref.null func) (i32.const 1000)))
        (i64.extend_i32_u (table.size 0))))"#;
    let handle = load(fits, Limits::default());
    assert_eq!(call_i64(handle, 0), Ok(1000));
    unload(handle);
}

#[test]
fn a_start_function_runs_under_the_limits_of_a_call() {
    // A start function runs when a thread first calls the function. It used to run inside
    // instantiation, out of the deadline's reach: the long fuzz run hung on a generated module
    // whose start function looped over large `memory.fill`s, which cost little fuel each.
    let forever = r#"(module (memory 64)
      (func $init (loop $forever
        (memory.fill (i32.const 0) (i32.const 7) (i32.const 4194304))
        (br $forever)))
      (start $init)
      (func (export "apply") (param i64) (result i64) local.get 0))"#;
    let timeout = Duration::from_millis(200);
    let handle = load(forever, limits(None, Some(timeout)));
    for _ in 0..2 {
        let started = Instant::now();
        match call_i64(handle, 7) {
            Err(Error::DeadlineExceeded { .. }) => {}
            other => panic!("expected the start function to meet the deadline, got {other:?}"),
        }
        assert!(
            started.elapsed() < timeout + Duration::from_secs(5),
            "stopped after {:?}",
            started.elapsed()
        );
    }
    unload(handle);
    // Fuel stops it too, though it bounds instructions, not time: each fill costs one.
    let metered = load(forever, limits(Some(10_000), None));
    assert!(matches!(call_i64(metered, 7), Err(Error::FuelExhausted { .. })));
    unload(metered);
    let traps = r#"(module (func $init unreachable) (start $init)
      (func (export "apply") (param i64) (result i64) local.get 0))"#;
    let handle = load(traps, Limits::default());
    match call_i64(handle, 7) {
        Err(Error::Trap { message, .. }) => assert!(message.contains("start function"), "{message}"),
        other => panic!("expected the start function's trap, got {other:?}"),
    }
    unload(handle);
    // A start function that ends sets up state once per instance; the export is not listed.
    let fine = r#"(module (global $g (mut i64) (i64.const 0))
      (func $init (global.set $g (i64.add (global.get $g) (i64.const 40))))
      (start $init)
      (func (export "apply") (param i64) (result i64) (i64.add (local.get 0) (global.get $g))))"#;
    let handle = load(fine, limits(Some(1000), None));
    assert_eq!(call_i64(handle, 2), Ok(42));
    assert_eq!(call_i64(handle, 2), Ok(42));
    let exports = pulsar_wasm::definition(handle)
        .map(|def| def.module.exports())
        .unwrap_or_default();
    assert_eq!(exports, vec!["apply: func (i64) -> (i64)".to_owned()]);
    unload(handle);
}

#[test]
fn many_different_metered_modules_compile_and_run() {
    // wasmer's metering middleware can serve one module only; each module has its own engine.
    let handles: Vec<(i64, Handle)> = (0..40)
        .map(|k| {
            let wat = format!(
                r#"(module (func (export "apply") (param i64) (result i64) (i64.add (local.get 0) (i64.const {k}))))"#
            );
            (k, load(&wat, limits(Some(1000), None)))
        })
        .collect();
    for (k, handle) in &handles {
        assert_eq!(call_i64(*handle, 1), Ok(1 + k));
    }
    // The same bytes with and without metering are two compilations; both work.
    let plain = load(SPIN, limits(None, None));
    let metered = load(SPIN, limits(Some(50), None));
    assert_eq!(call_i64(plain, 1000), Ok(1001));
    assert!(matches!(call_i64(metered, 1000), Err(Error::FuelExhausted { .. })));
    for (_, handle) in handles {
        unload(handle);
    }
    unload(plain);
    unload(metered);
}

#[test]
fn invalid_limits_are_refused() {
    for bad in [
        Limits {
            memory_pages: 0,
            ..Limits::default()
        },
        Limits {
            memory_pages: 65_537,
            ..Limits::default()
        },
        Limits {
            table_elements: 0,
            ..Limits::default()
        },
        limits(Some(0), None),
        limits(None, Some(Duration::ZERO)),
    ] {
        assert!(
            matches!(load_i64(SPIN.as_bytes(), "apply", bad), Err(Error::InvalidArgument(_))),
            "{bad:?} was accepted"
        );
    }
}
