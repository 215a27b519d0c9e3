//! What a WASI guest costs (the wordstats examples, examples/wasi, built by examples/build.sh):
//! loading the module (compiling it), the first call on a thread (instance, the language
//! runtime's start-up in `_initialize`, and the call), and a call after that, for Go, C++ and
//! C. And a WASI call itself: `fd_write` of a line, against the same guest not writing.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

mod common;
use pulsar_wasm::{load, process, unload, HostSpec, Limits};

const TEXT: &[u8] = b"the quick brown fox jumps over the lazy dog and The Dog sleeps while the fox runs";

fn guests(c: &mut Criterion) {
    for lang in ["go", "cpp", "c"] {
        let Some(bytes) = common::example(&format!("wordstats_{lang}.wasm")) else {
            continue;
        };
        let spec = Arc::new(HostSpec::default());
        let mut group = c.benchmark_group(format!("wordstats_{lang} ({} KiB)", bytes.len() / 1024));
        group.sample_size(10).measurement_time(Duration::from_secs(10));
        group.bench_function("load (compile)", |b| {
            b.iter(|| {
                let handle = load(black_box(&bytes), None, Limits::default(), spec.clone()).expect("loads");
                unload(handle);
            })
        });
        let handle = load(&bytes, None, Limits::default(), spec.clone()).expect("loads");
        // A fresh thread has no instance: its first call makes one and runs _initialize.
        group.bench_function("first call on a new thread", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += std::thread::spawn(move || {
                        let started = Instant::now();
                        process(handle, TEXT).expect("call");
                        started.elapsed()
                    })
                    .join()
                    .expect("thread");
                }
                total
            })
        });
        group.finish();
        c.bench_function(&format!("wordstats_{lang}: a call (80 B text)"), |b| {
            b.iter(|| process(handle, black_box(TEXT)).expect("call"))
        });
        unload(handle);
    }
}

criterion_group!(benches, guests);
criterion_main!(benches);
