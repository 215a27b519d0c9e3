//! What wasmer's memory style costs: the default static memories (8 GiB of address space
//! reserved per instance, no bounds checks in compiled code) against dynamic ones (only the
//! memory itself is reserved, every access is bounds-checked), on a guest that stores and
//! loads 8,192 words per call, in one run.
//!
//! Static memories cap a process at about 16,000 instances (tests/limits.rs); this measures
//! what lifting that cap would cost every memory access.

mod common;

use common::MEMORY_HEAVY;
use std::hint::black_box;
use std::ptr::NonNull;

use criterion::{criterion_group, criterion_main, Criterion};
use wasmer::sys::vm::{VMMemory, VMMemoryDefinition, VMTable, VMTableDefinition};
use wasmer::sys::{BaseTunables, NativeEngineExt, Tunables};
use wasmer::{Engine, Imports, Instance, MemoryType, Module, Store, TableType, TypedFunction};
use wasmer::{MemoryError, MemoryStyle, TableStyle};

/// wasmer's own tunables, but with dynamic memories.
struct DynamicMemories(BaseTunables);

impl Tunables for DynamicMemories {
    fn memory_style(&self, _memory: &MemoryType) -> MemoryStyle {
        MemoryStyle::Dynamic {
            offset_guard_size: 0x1_0000,
        }
    }
    fn table_style(&self, table: &TableType) -> TableStyle {
        self.0.table_style(table)
    }
    fn create_host_memory(&self, ty: &MemoryType, style: &MemoryStyle) -> Result<VMMemory, MemoryError> {
        self.0.create_host_memory(ty, style)
    }
    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        // SAFETY: the caller's contract (a valid, owned definition) is passed on unchanged.
        unsafe { self.0.create_vm_memory(ty, style, location) }
    }
    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.0.create_host_table(ty, style)
    }
    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        // SAFETY: as above.
        unsafe { self.0.create_vm_table(ty, style, location) }
    }
}

fn instance(engine: Engine) -> (Store, TypedFunction<i64, i64>) {
    let mut store = Store::new(engine);
    let module = Module::new(&store, MEMORY_HEAVY).expect("compiles");
    let instance = Instance::new(&mut store, &module, &Imports::new()).expect("instantiates");
    let apply = instance.exports.get_typed_function(&store, "apply").expect("export");
    (store, apply)
}

fn memory_styles(c: &mut Criterion) {
    let (mut static_store, static_apply) = instance(pulsar_wasm::module::new_engine(&Default::default(), None));
    let mut engine = pulsar_wasm::module::new_engine(&Default::default(), None);
    engine.set_tunables(DynamicMemories(BaseTunables::new()));
    let (mut dynamic_store, dynamic_apply) = instance(engine);
    let expected = (0..8192i64).sum::<i64>() * 3;
    assert_eq!(static_apply.call(&mut static_store, 3).expect("call"), expected);
    assert_eq!(dynamic_apply.call(&mut dynamic_store, 3).expect("call"), expected);

    let mut group = c.benchmark_group("8192 stores + 8192 loads");
    group.bench_function("dynamic memory", |b| {
        b.iter(|| dynamic_apply.call(&mut dynamic_store, black_box(3)).expect("call"))
    });
    group.bench_function("static memory (the default)", |b| {
        b.iter(|| static_apply.call(&mut static_store, black_box(3)).expect("call"))
    });
    group.finish();
}

criterion_group!(benches, memory_styles);
criterion_main!(benches);
