//! Cold start from a precompiled artifact against compiling, for the wordstats guests
//! (examples/wasi, built by examples/build.sh): Go (2.6 MiB), C++ and C. "Load" is what a
//! worker does when a function starts: from the module's bytes to a function ready to call
//! (hashing the module, checking the artifact's footer and checksum, wasmer's deserialize, the
//! entry and import checks). The first call after it is the same either way (see benches/wasi.rs).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

mod common;
use pulsar_wasm::artifact::Cpu;
use pulsar_wasm::module::{precompile, Origin, Precompiled};
use pulsar_wasm::{definition, load_with, process, unload, HostSpec, Limits};

/// Loads, checks where the code came from, and unloads (so the next load starts cold).
fn load_cold(bytes: &[u8], artifact: Option<&[u8]>, expected: Origin) {
    let precompiled = Precompiled {
        artifact: artifact.map(<[u8]>::to_vec),
        cache_dir: None,
    };
    let handle = load_with(
        bytes,
        None,
        Limits::default(),
        Arc::new(HostSpec::default()),
        precompiled,
    )
    .expect("loads");
    assert_eq!(definition(handle).expect("live").module.origin, expected);
    unload(handle);
}

fn cold_start(c: &mut Criterion) {
    for lang in ["go", "cpp", "c"] {
        let Some(bytes) = common::example(&format!("wordstats_{lang}.wasm")) else {
            continue;
        };
        let started = Instant::now();
        let sealed = precompile(&bytes, false, Cpu::X86_64V2).expect("precompiles");
        eprintln!(
            "wordstats_{lang}: {} KiB of wasm, precompiled (x86-64-v2) in {:?} to {} KiB",
            bytes.len() / 1024,
            started.elapsed(),
            sealed.len() / 1024
        );
        let mut group = c.benchmark_group(format!("wordstats_{lang} ({} KiB)", bytes.len() / 1024));
        group.sample_size(10).measurement_time(Duration::from_secs(10));
        group.bench_function("load from artifact", |b| {
            b.iter(|| load_cold(black_box(&bytes), Some(&sealed), Origin::Artifact))
        });
        // The artifact's copy into the loader is part of the measured load; this is its share.
        group.bench_function("copy of the artifact alone", |b| b.iter(|| black_box(sealed.to_vec())));
        group.bench_function("load by compiling", |b| {
            b.iter(|| load_cold(black_box(&bytes), None, Origin::Compiled))
        });
        group.finish();
        // The code is the same either way: a call answers the same.
        let precompiled = Precompiled {
            artifact: Some(sealed),
            cache_dir: None,
        };
        let spec = Arc::new(HostSpec::default());
        let from_artifact = load_with(&bytes, None, Limits::default(), spec, precompiled).expect("loads");
        let reply = process(from_artifact, b"the fox and the dog").expect("calls");
        assert!(!reply.is_empty());
        unload(from_artifact);
    }
}

criterion_group!(benches, cold_start);
criterion_main!(benches);
