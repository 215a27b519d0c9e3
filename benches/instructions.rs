//! Instructions per call, for `valgrind --tool=callgrind` (deterministic where timings on a
//! shared machine are not): `wasmer_calls` loops wasmer's own `TypedFunction::call`, and
//! `core_calls` loops `pulsar_wasm::call_i64` on the same module; the inclusive instruction
//! counts of the two functions, divided by the calls, give the cost of each.
//!
//! `valgrind --tool=callgrind target/release/deps/instructions-* --bench`, then
//! `callgrind_annotate --inclusive=yes` (scripts/bench.sh does this).

mod common;

use common::TRIVIAL;
use std::hint::black_box;

use wasmer::{Imports, Instance, Module, Store, TypedFunction};

const CALLS: i64 = 100_000;

#[inline(never)]
fn wasmer_calls(store: &mut Store, typed: &TypedFunction<i64, i64>) -> i64 {
    (0..CALLS).map(|i| typed.call(store, black_box(i)).unwrap_or(0)).sum()
}

#[inline(never)]
fn core_calls(handle: pulsar_wasm::Handle) -> i64 {
    (0..CALLS)
        .map(|i| pulsar_wasm::call_i64(handle, black_box(i)).unwrap_or(0))
        .sum()
}

fn main() {
    let mut store = Store::new(pulsar_wasm::module::new_engine(&Default::default(), None));
    let module = Module::new(&store, TRIVIAL).expect("compiles");
    let instance = Instance::new(&mut store, &module, &Imports::new()).expect("instantiates");
    let typed: TypedFunction<i64, i64> = instance.exports.get_typed_function(&store, "apply").expect("export");
    let handle = pulsar_wasm::load_i64(TRIVIAL.as_bytes(), "apply", pulsar_wasm::Limits::default()).expect("loads");
    // The first call on this thread creates the instance: outside the measured loop.
    let expected = (0..CALLS).sum::<i64>() + CALLS;
    assert_eq!(pulsar_wasm::call_i64(handle, 0).expect("call"), 1);
    assert_eq!(wasmer_calls(&mut store, &typed), expected);
    assert_eq!(core_calls(handle), expected);
    println!("{CALLS} calls each: see the inclusive counts of wasmer_calls and core_calls");
}
