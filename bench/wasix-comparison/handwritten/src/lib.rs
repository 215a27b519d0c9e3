//! Baseline: wasmer 7.4.2 with a hand-written wasi_snapshot_preview1.fd_write.
#[path = "../../common.rs"]
pub mod common;

use wasmer::{
    imports, Engine, Function, FunctionEnv, FunctionEnvMut, Instance, Memory, Module, Store,
    TypedFunction,
};

pub struct Host {
    pub memory: Option<Memory>,
    pub out: Vec<u8>,
}

const ERRNO_BADF: i32 = 8;
const ERRNO_FAULT: i32 = 21;

fn fd_write(mut env: FunctionEnvMut<Host>, fd: i32, iovs: i32, iovs_len: i32, nwritten: i32) -> i32 {
    if fd != 1 && fd != 2 {
        return ERRNO_BADF;
    }
    let (data, store) = env.data_and_store_mut();
    let Some(memory) = data.memory.as_ref() else { return ERRNO_FAULT };
    let view = memory.view(&store);
    let mut total: u32 = 0;
    for i in 0..iovs_len as u32 as u64 {
        let mut iov = [0u8; 8];
        if view.read(iovs as u32 as u64 + i * 8, &mut iov).is_err() {
            return ERRNO_FAULT;
        }
        let buf = u32::from_le_bytes(iov[0..4].try_into().unwrap()) as u64;
        let len = u32::from_le_bytes(iov[4..8].try_into().unwrap()) as usize;
        let start = data.out.len();
        data.out.resize(start + len, 0);
        if view.read(buf, &mut data.out[start..]).is_err() {
            data.out.truncate(start);
            return ERRNO_FAULT;
        }
        total += len as u32;
    }
    if view.write(nwritten as u32 as u64, &total.to_le_bytes()).is_err() {
        return ERRNO_FAULT;
    }
    0
}

pub struct Guest {
    pub store: Store,
    pub env: FunctionEnv<Host>,
    pub instance: Instance,
    pub apply: TypedFunction<i64, i64>,
}

pub fn compile(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat).expect("compile")
}

pub fn instantiate(engine: &Engine, module: &Module) -> Guest {
    let mut store = Store::new(engine.clone());
    let env = FunctionEnv::new(&mut store, Host { memory: None, out: Vec::new() });
    let import_object = imports! {
        "wasi_snapshot_preview1" => {
            "fd_write" => Function::new_typed_with_env(&mut store, &env, fd_write),
        }
    };
    let instance = Instance::new(&mut store, module, &import_object).expect("instantiate");
    let memory = instance.exports.get_memory("memory").expect("memory").clone();
    env.as_mut(&mut store).memory = Some(memory);
    let apply = instance.exports.get_typed_function(&store, "apply").expect("apply");
    Guest { store, env, instance, apply }
}

/// Exported so the cdylib keeps the whole path: compile, instantiate, call apply once, and
/// return apply(x) (or -1 on a trap).
#[no_mangle]
pub extern "C" fn measure_run_once(x: i64) -> i64 {
    let engine = Engine::default();
    let module = compile(&engine, common::WAT_FD_WRITE);
    let mut g = instantiate(&engine, &module);
    g.apply.call(&mut g.store, x).unwrap_or(-1)
}
