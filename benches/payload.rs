//! Payloads through a bytes guest (ABI v1) without a JVM, beside the `i64` call in the same run:
//! what the native side costs, apart from JNI and Java.

mod common;

use std::hint::black_box;
use std::sync::Arc;

use common::{IDENTITY_V1, TRIVIAL};
use criterion::{criterion_group, criterion_main, Criterion};
use pulsar_wasm::{Grants, Host, HostFailure, HostFunction, HostSpec, Limits, Shape};

/// A host whose `long` function is `x + 1`: a host call without a JVM.
struct PlusOne;

impl Host for PlusOne {
    fn call_long(&self, _: usize, args: &[i64]) -> Result<i64, HostFailure> {
        Ok(args[0] + 1)
    }
    fn call_bytes(&self, _: usize, input: &[u8]) -> Result<Option<Vec<u8>>, HostFailure> {
        Ok(Some(input.to_vec()))
    }
    fn state_get(&self, _: &str) -> Result<Option<Vec<u8>>, HostFailure> {
        Ok(None)
    }
    fn counter_get(&self, _: &str) -> Result<i64, HostFailure> {
        Ok(0)
    }
    fn discarded(&self, _: &[u8]) {}
}

fn payloads(c: &mut Criterion) {
    let i64_fn = pulsar_wasm::load_i64(TRIVIAL.as_bytes(), "apply", Limits::default()).expect("loads");
    c.bench_function("call_i64", |b| {
        b.iter(|| pulsar_wasm::call_i64(i64_fn, black_box(41)).expect("call"))
    });
    let host_plus1 = r#"(module (import "pulsar_user" "plus1" (func $p (param i64) (result i64)))
      (func (export "apply") (param i64) (result i64) (call $p (local.get 0))))"#;
    let spec = HostSpec::new(
        vec![HostFunction {
            name: "plus1".to_owned(),
            shape: Shape::Long,
        }],
        Default::default(),
        Grants::default(),
        Some(Arc::new(PlusOne)),
    );
    let calls_host =
        pulsar_wasm::load(host_plus1.as_bytes(), Some("apply"), Limits::default(), Arc::new(spec)).expect("loads");
    c.bench_function("call_i64 with a host call", |b| {
        b.iter(|| pulsar_wasm::call_i64(calls_host, black_box(41)).expect("call"))
    });
    let identity = pulsar_wasm::load(
        IDENTITY_V1.as_bytes(),
        None,
        Limits::default(),
        Arc::new(HostSpec::default()),
    )
    .expect("loads");
    for size in [100usize, 1024, 65536] {
        let input = vec![7u8; size];
        c.bench_function(&format!("process identity {size} B"), |b| {
            b.iter(|| pulsar_wasm::process(identity, black_box(&input)).expect("process"))
        });
    }
}

criterion_group!(benches, payloads);
criterion_main!(benches);
