//! wasmer 7.4.2 + wasmer-wasix 0.704.2: the guest's fd_write is wasix's.
#[path = "../../common.rs"]
pub mod common;

use std::sync::{Arc, Mutex, OnceLock};

use wasmer::{Engine, Instance, Module, Store, TypedFunction};
use wasmer_wasix::runtime::task_manager::tokio::TokioTaskManager;
use wasmer_wasix::virtual_fs::{DualWriteFile, EmptyFileSystem, NullFile};
use wasmer_wasix::{PluggableRuntime, UnsupportedVirtualNetworking, WasiEnv, WasiFunctionEnv};

/// tokio multi-thread runtime, 1 worker, time driver on.
pub fn new_tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .expect("tokio runtime")
}

pub struct Guest {
    pub store: Store,
    pub wasi: WasiFunctionEnv,
    pub instance: Instance,
    pub apply: TypedFunction<i64, i64>,
    pub out: Arc<Mutex<Vec<u8>>>,
}

pub fn compile(engine: &Engine, wat: &str) -> Module {
    Module::new(engine, wat).expect("compile")
}

pub fn instantiate(handle: &tokio::runtime::Handle, engine: &Engine, module: &Module) -> Guest {
    let mut rt = PluggableRuntime::new(Arc::new(TokioTaskManager::new(handle.clone())));
    rt.set_engine(engine.clone());
    rt.set_networking_implementation(UnsupportedVirtualNetworking::default());
    let out = Arc::new(Mutex::new(Vec::new()));
    let sink = out.clone();
    let mut store = Store::new(engine.clone());
    let (instance, wasi) = WasiEnv::builder("guest")
        .runtime(Arc::new(rt))
        .fs(Arc::new(EmptyFileSystem::default()) as Arc<dyn wasmer_wasix::virtual_fs::FileSystem + Send + Sync>)
        .stdin(Box::new(NullFile::default()))
        .stdout(Box::new(DualWriteFile::new(Box::new(NullFile::default()), move |b: &[u8]| {
            sink.lock().unwrap().extend_from_slice(b)
        })))
        .stderr(Box::new(NullFile::default()))
        .instantiate(module.clone(), &mut store)
        .expect("wasix instantiate");
    let apply = instance.exports.get_typed_function(&store, "apply").expect("apply");
    Guest { store, wasi, instance, apply, out }
}

static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// Exported so the cdylib keeps the whole path: runtime, compile, wasix instantiate, call apply
/// once, and return apply(x) (or -1 on a trap).
#[no_mangle]
pub extern "C" fn measure_run_once(x: i64) -> i64 {
    let rt = RT.get_or_init(new_tokio);
    let engine = Engine::default();
    let module = compile(&engine, common::WAT_FD_WRITE);
    let mut g = instantiate(rt.handle(), &engine, &module);
    g.apply.call(&mut g.store, x).unwrap_or(-1)
}
