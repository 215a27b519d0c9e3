//! Malformed and hostile modules: random bytes, mutated valid modules and valid but odd modules
//! from `wasm-smith`, each loaded and (when it loads) called under tight limits. Every one must
//! end in a working function or an error of the core: no panic, no abort, no hang.
//!
//! `PULSAR_WASM_FUZZ_CASES` sets the number of cases of each kind (default 1000) and
//! `PULSAR_WASM_FUZZ_SEED` the seed; scripts/fuzz.sh runs a long one.

mod support;

use std::time::{Duration, Instant};

use pulsar_wasm::{call_i64, load_i64, unload, Error, Limits};
use support::smith::{mutate, random_bytes, smith_module, Rng};

fn cases() -> u64 {
    std::env::var("PULSAR_WASM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn seed() -> u64 {
    std::env::var("PULSAR_WASM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed)
}

fn limits() -> Limits {
    Limits {
        memory_pages: 64,
        table_elements: 10_000,
        fuel_per_call: Some(1_000_000),
        timeout: Some(Duration::from_secs(1)),
    }
}

#[derive(Default, Debug)]
struct Outcomes {
    refused: u64,
    loaded: u64,
    calls_ok: u64,
    calls_failed: u64,
}

/// Loads and calls one input; panics (failing the test) only if the core does.
fn run(bytes: &[u8], outcomes: &mut Outcomes) {
    let handle = match load_i64(bytes, "apply", limits()) {
        Ok(handle) => handle,
        Err(_) => {
            outcomes.refused += 1;
            return;
        }
    };
    outcomes.loaded += 1;
    for arg in [0, 1, -1, 42, i64::MAX] {
        match call_i64(handle, arg) {
            Ok(_) => outcomes.calls_ok += 1,
            Err(Error::Closed | Error::Reentrant | Error::ThreadExiting) => panic!("impossible error"),
            Err(_) => outcomes.calls_failed += 1,
        }
    }
    assert!(unload(handle));
}

fn report(kind: &str, started: Instant, outcomes: &Outcomes) {
    eprintln!("{kind}: {outcomes:?} in {:?}", started.elapsed());
}

#[test]
fn random_bytes_are_refused_or_run() {
    let mut rng = Rng::new(seed());
    let (mut outcomes, started) = (Outcomes::default(), Instant::now());
    for _ in 0..cases() {
        run(&random_bytes(&mut rng), &mut outcomes);
    }
    report("random bytes", started, &outcomes);
    assert_eq!(outcomes.refused + outcomes.loaded, cases());
}

#[test]
fn mutated_modules_are_refused_or_run() {
    let mut rng = Rng::new(seed() ^ 1);
    let seeds: Vec<Vec<u8>> = (0..32).filter_map(|i| smith_module(seed() ^ (1000 + i))).collect();
    assert!(!seeds.is_empty());
    let (mut outcomes, started) = (Outcomes::default(), Instant::now());
    for _ in 0..cases() {
        let valid = &seeds[rng.below(seeds.len())];
        run(&mutate(&mut rng, valid), &mut outcomes);
    }
    report("mutated modules", started, &outcomes);
    assert!(outcomes.refused > 0 && outcomes.loaded > 0, "{outcomes:?}");
}

#[test]
fn generated_modules_load_and_their_calls_end() {
    let (mut outcomes, mut generated, started) = (Outcomes::default(), 0u64, Instant::now());
    for i in 0..cases() {
        if let Some(module) = smith_module(seed().wrapping_add(i)) {
            generated += 1;
            run(&module, &mut outcomes);
        }
    }
    report("wasm-smith modules", started, &outcomes);
    assert!(
        generated * 10 >= cases() * 9,
        "wasm-smith gave up on too many seeds: {generated}"
    );
    // Valid modules mostly load; the rest exceed a cap, which is an error of the core too.
    assert!(outcomes.loaded * 2 >= generated, "{outcomes:?}");
}
