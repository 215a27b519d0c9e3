//! A worker that loads, calls and closes modules for months keeps flat memory: each module's
//! code lives in an engine of its own, freed with the module.
//!
//! A file of its own (its own process), so that the mapping and RSS counts see only this test.
//! Run with `--nocapture` to see the numbers.

use pulsar_wasm::{call_i64, instances_in_use, load_i64, unload, Error, Limits};

fn unary(body: &str) -> Vec<u8> {
    format!(r#"(module (memory 1) (func (export "apply") (param i64) (result i64) {body}))"#).into_bytes()
}

fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps").map_or(0, |maps| maps.lines().count())
}

fn rss_mib() -> f64 {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<f64>().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

/// One load, call and unload; `distinct` makes the bytes differ from every other cycle's.
fn cycle(i: u64, distinct: bool) -> Result<(), Error> {
    let k = if distinct { i } else { 7 };
    let handle = load_i64(
        &unary(&format!("local.get 0 i64.const {k} i64.add")),
        "apply",
        Limits::default(),
    )?;
    assert_eq!(call_i64(handle, 1)?, 1 + k as i64);
    assert!(unload(handle));
    Ok(())
}

#[test]
fn fifty_thousand_load_call_close_cycles_leave_memory_flat() -> Result<(), Error> {
    const CYCLES: u64 = 50_000;
    const WARMUP: u64 = 1_000;
    for i in 0..WARMUP {
        cycle(i, i % 2 == 0)?;
    }
    let (maps_before, rss_before) = (mappings(), rss_mib());
    let mut peak_maps = maps_before;
    for i in WARMUP..CYCLES {
        cycle(i, i % 2 == 0)?;
        if i % 1_000 == 0 {
            peak_maps = peak_maps.max(mappings());
        }
    }
    assert_eq!(instances_in_use(), 0);
    let (maps_after, rss_after) = (mappings(), rss_mib());
    println!(
        "{CYCLES} load/call/close cycles (half the same bytes, half distinct): mappings {maps_before} -> {maps_after} (peak {peak_maps}), RSS {rss_before:.1} MiB -> {rss_after:.1} MiB"
    );
    // Before each module had its own engine, 25,000 cycles added 46,000 mappings: one leaked
    // code mapping (or more) per compile. Allow a little noise from the allocator.
    assert!(
        peak_maps <= maps_before + 64,
        "mappings grew with the cycle count: {maps_before} -> peak {peak_maps}"
    );
    assert!(
        rss_after <= rss_before + 64.0,
        "RSS grew: {rss_before:.1} -> {rss_after:.1} MiB"
    );
    Ok(())
}
