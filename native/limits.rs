//! Sandbox limits of a function: memory and table caps (enforced by the engine's tunables),
//! fuel per call (instruction metering compiled into the module) and a wall-clock deadline
//! per call (see [`crate::deadline`]).

use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

use wasmer::sys::vm::{VMConfig, VMMemory, VMMemoryDefinition, VMTable, VMTableDefinition};
use wasmer::sys::{BaseTunables, Tunables};
use wasmer::wasmparser::Operator;
use wasmer::{MemoryError, MemoryStyle, MemoryType, Pages, TableStyle, TableType};
use wasmer_middlewares::Metering;

use crate::error::{Error, Result};

/// The settings a user changes, by name, so that every message about a limit can say how.
pub const MEMORY_SETTING: &str = "WasmLimits.withMaxMemoryPages, user config wasm.memory.maxPages";
pub const TABLE_SETTING: &str = "WasmLimits.withMaxTableElements, user config wasm.table.maxElements";
pub const FUEL_SETTING: &str = "WasmLimits.withFuelPerCall, user config wasm.fuel.perCall";
pub const TIMEOUT_SETTING: &str = "WasmLimits.withTimeout, user config wasm.timeout.ms";

/// The most pages any memory may have: 4 GiB, all a 32-bit memory can address.
pub const MAX_MEMORY_PAGES: u32 = 65_536;

/// What one function may use. Memory and table caps apply to each instance (one per calling
/// thread); fuel and the deadline apply to each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Pages (64 KiB each) any one memory may grow to.
    pub memory_pages: u32,
    /// Elements any one table may grow to.
    pub table_elements: u32,
    /// Instructions (WebAssembly operators) one call may execute; `None` for no count.
    pub fuel_per_call: Option<u64>,
    /// Wall-clock time one call may run; `None` for no deadline.
    pub timeout: Option<Duration>,
}

impl Default for Limits {
    /// The defaults of the Java API (`WasmLimits.defaults()`); keep the two in step.
    fn default() -> Self {
        Limits {
            memory_pages: 1024, // 64 MiB
            table_elements: 100_000,
            fuel_per_call: None,
            timeout: Some(Duration::from_secs(10)),
        }
    }
}

impl Limits {
    /// Checks the values a caller passed.
    pub fn validate(&self) -> Result<()> {
        if self.memory_pages == 0 || self.memory_pages > MAX_MEMORY_PAGES {
            return Err(Error::InvalidArgument(format!(
                "the memory cap must be 1 to {MAX_MEMORY_PAGES} pages of 64 KiB, not {}",
                self.memory_pages
            )));
        }
        if self.table_elements == 0 {
            return Err(Error::InvalidArgument(
                "the table cap must be at least 1 element".to_owned(),
            ));
        }
        if self.fuel_per_call == Some(0) {
            return Err(Error::InvalidArgument(
                "the fuel per call must be at least 1 (or unset, for no count)".to_owned(),
            ));
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(Error::InvalidArgument(
                "the timeout must be positive (or unset, for no deadline)".to_owned(),
            ));
        }
        Ok(())
    }

    /// What the compiled code depends on: two functions with equal keys share a compilation.
    pub(crate) fn engine_key(&self, metered: bool) -> EngineConfig {
        EngineConfig {
            memory_pages: self.memory_pages,
            table_elements: self.table_elements,
            metered,
        }
    }
}

/// The settings of one module's engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EngineConfig {
    pub memory_pages: u32,
    pub table_elements: u32,
    /// Instruction metering compiled in.
    pub metered: bool,
}

impl Default for EngineConfig {
    /// The default caps, without metering.
    fn default() -> Self {
        Limits::default().engine_key(false)
    }
}

/// Every operator costs one unit of fuel: a budget reads as "instructions", and the bookkeeping
/// stays cheap. (Bulk operations such as `memory.fill` cost one too; the deadline bounds them.)
fn operator_cost(_: &Operator) -> u64 {
    1
}

type CostFunction = fn(&Operator) -> u64;

/// A new metering middleware. One per engine: a `Metering` can process only one module. Its
/// initial budget is never used: every call into the module sets its own first.
pub(crate) fn metering() -> Arc<Metering<CostFunction>> {
    Arc::new(Metering::new(0, operator_cost as CostFunction))
}

/// Wasmer's base tunables with every memory and table capped. A declared maximum above the cap
/// is lowered to it (`memory.grow` and `table.grow` may fail at any size by the spec, and then
/// return -1); a declared minimum above the cap fails instantiation.
pub(crate) struct CappedTunables {
    base: BaseTunables,
    memory_pages: u32,
    table_elements: u32,
}

impl CappedTunables {
    pub(crate) fn new(config: &EngineConfig) -> Self {
        CappedTunables {
            base: BaseTunables::new(),
            memory_pages: config.memory_pages,
            table_elements: config.table_elements,
        }
    }

    fn memory(&self, ty: &MemoryType) -> std::result::Result<MemoryType, MemoryError> {
        let cap = Pages(self.memory_pages);
        if ty.minimum > cap {
            return Err(MemoryError::Generic(memory_minimum_message(
                ty.minimum.0.into(),
                self.memory_pages,
            )));
        }
        Ok(MemoryType {
            maximum: Some(ty.maximum.map_or(cap, |declared| declared.min(cap))),
            ..*ty
        })
    }

    fn table(&self, ty: &TableType) -> std::result::Result<TableType, String> {
        if ty.minimum > self.table_elements {
            return Err(table_minimum_message(ty.minimum.into(), self.table_elements));
        }
        Ok(TableType {
            maximum: Some(
                ty.maximum
                    .map_or(self.table_elements, |declared| declared.min(self.table_elements)),
            ),
            ..*ty
        })
    }
}

/// Part of every message of the caps, by which instantiation errors are recognised as theirs.
pub(crate) const CAP_MARKER: &str = "above this function's";

pub(crate) fn memory_minimum_message(pages: u64, cap: u32) -> String {
    format!(
        "the module's memory starts at {pages} pages of 64 KiB, above this function's memory cap of {cap} pages: \
         raise the cap ({MEMORY_SETTING}) or build the guest with a smaller initial memory"
    )
}

pub(crate) fn table_minimum_message(elements: u64, cap: u32) -> String {
    format!(
        "the module's table starts at {elements} elements, above this function's table cap of {cap} elements: \
         raise the cap ({TABLE_SETTING})"
    )
}

impl Tunables for CappedTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(memory)
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(&self, ty: &MemoryType, style: &MemoryStyle) -> std::result::Result<VMMemory, MemoryError> {
        self.base.create_host_memory(&self.memory(ty)?, style)
    }

    /// # Safety
    /// The trait's contract: `vm_definition_location` points to a valid, owned memory
    /// definition (in the instance's VMContext). wasmer upholds it; this passes it on unchanged.
    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> std::result::Result<VMMemory, MemoryError> {
        let ty = self.memory(ty)?;
        // SAFETY: the caller's guarantee for `vm_definition_location` (a valid, owned definition
        // in the instance's VMContext) is passed on unchanged. The type only has a lower maximum,
        // which the memory checks on every grow; the style was chosen by the same base tunables.
        unsafe { self.base.create_vm_memory(&ty, style, vm_definition_location) }
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> std::result::Result<VMTable, String> {
        self.base.create_host_table(&self.table(ty)?, style)
    }

    /// # Safety
    /// The trait's contract: `vm_definition_location` points to a valid, owned table definition
    /// (in the instance's VMContext). wasmer upholds it; this passes it on unchanged.
    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> std::result::Result<VMTable, String> {
        let ty = self.table(ty)?;
        // SAFETY: as for memories: the caller's guarantee for the location is passed on, and the
        // table checks its (lowered) maximum on every grow.
        unsafe { self.base.create_vm_table(&ty, style, vm_definition_location) }
    }

    fn vmconfig(&self) -> &VMConfig {
        self.base.vmconfig()
    }
}
