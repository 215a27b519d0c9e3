//! One call of an `(i64) -> i64` export: wasmer's own typed call, and the core's call
//! (generation check + thread-local instance lookup + the same typed call), in one run.

mod common;

use common::TRIVIAL;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use wasmer::{Imports, Instance, Module, Store, TypedFunction};

fn calls(c: &mut Criterion) {
    let mut store = Store::new(pulsar_wasm::module::new_engine(&Default::default(), None));
    let module = Module::new(&store, TRIVIAL).expect("compiles");
    let instance = Instance::new(&mut store, &module, &Imports::new()).expect("instantiates");
    let typed: TypedFunction<i64, i64> = instance.exports.get_typed_function(&store, "apply").expect("export");
    c.bench_function("wasmer TypedFunction::call", |b| {
        b.iter(|| typed.call(&mut store, black_box(41)).expect("call"))
    });

    let handle = pulsar_wasm::load_i64(TRIVIAL.as_bytes(), "apply", pulsar_wasm::Limits::default()).expect("loads");
    c.bench_function("pulsar_wasm::call_i64", |b| {
        b.iter(|| pulsar_wasm::call_i64(handle, black_box(41)).expect("call"))
    });
}

criterion_group!(benches, calls);
criterion_main!(benches);
