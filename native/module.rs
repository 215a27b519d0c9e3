//! Compiling guests: one shared [`Engine`], and compiled modules cached by content hash.
//!
//! A compiled [`Module`] is `Send + Sync` and cheap to clone, so every thread and every
//! function that loads the same bytes shares one compilation. The cache holds weak
//! references: a module is freed once the last function using it is unloaded.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use wasmer::{Engine, ExternType, FunctionType, Module, Type};

use crate::error::{Error, Result};

/// The one engine of this library copy: compiler settings and code memory are shared.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// A compiled module and what a person wants to know about it.
#[derive(Debug)]
pub struct CompiledModule {
    pub(crate) module: Module,
    /// Hex SHA-256 of the WebAssembly binary (after WAT text was converted).
    pub hash: String,
    /// Size in bytes of the WebAssembly binary.
    pub size: usize,
    /// How long compilation took (the first time these bytes were seen).
    pub compile_time: Duration,
}

impl CompiledModule {
    /// Each export as `name: kind type`, e.g. `apply: func (i64) -> i64`.
    pub fn exports(&self) -> Vec<String> {
        self.module
            .exports()
            .map(|export| format!("{}: {}", export.name(), describe_extern(export.ty())))
            .collect()
    }

    /// Each import as `module.name: kind type`.
    pub fn imports(&self) -> Vec<String> {
        self.module
            .imports()
            .map(|import| {
                format!(
                    "{}.{}: {}",
                    import.module(),
                    import.name(),
                    describe_extern(import.ty())
                )
            })
            .collect()
    }

    /// Checks that `name` is an exported function of type `params -> results`.
    pub fn check_export(&self, name: &str, params: &[Type], results: &[Type]) -> Result<()> {
        let expected = FunctionType::new(params, results);
        let export = self.module.exports().find(|export| export.name() == name);
        match export.as_ref().map(|export| export.ty()) {
            None => Err(Error::MissingExport {
                name: name.to_owned(),
                available: self.exports(),
            }),
            Some(ExternType::Function(actual)) if *actual == expected => Ok(()),
            Some(other) => Err(Error::WrongSignature {
                name: name.to_owned(),
                expected: format!("func {}", describe_func(&expected)),
                actual: describe_extern(other),
            }),
        }
    }

    /// Fails with every import named when the module imports anything: the host provides none yet.
    pub fn check_no_imports(&self) -> Result<()> {
        let imports = self.imports();
        if imports.is_empty() {
            Ok(())
        } else {
            Err(Error::UnresolvedImport { imports })
        }
    }
}

fn describe_func(ty: &FunctionType) -> String {
    // WAT spelling (`i64`, `funcref`), as a guest author writes it.
    let list = |types: &[Type]| {
        types
            .iter()
            .map(|t| t.to_string().to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(ty.params()), list(ty.results()))
}

fn describe_extern(ty: &ExternType) -> String {
    match ty {
        ExternType::Function(f) => format!("func {}", describe_func(f)),
        ExternType::Global(g) => format!("global {}", g.ty.to_string().to_lowercase()),
        ExternType::Memory(_) => "memory".to_owned(),
        ExternType::Table(_) => "table".to_owned(),
        ExternType::Tag(_) => "tag".to_owned(),
    }
}

type Cache = Mutex<HashMap<[u8; 32], Weak<CompiledModule>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Compiles WebAssembly binary or WAT text, or returns the cached compilation of the same binary.
pub fn compile(bytes: &[u8]) -> Result<Arc<CompiledModule>> {
    let binary = wasmer::wat2wasm(bytes).map_err(|e| Error::Compile(e.to_string()))?;
    let digest: [u8; 32] = Sha256::digest(&binary).into();
    if let Some(hit) = cache().lock().get(&digest).and_then(Weak::upgrade) {
        return Ok(hit);
    }
    // Compile outside the lock: compiling can take long, and other modules need not wait.
    let started = Instant::now();
    let module = Module::from_binary(engine(), &binary).map_err(|e| Error::Compile(e.to_string()))?;
    let compiled = Arc::new(CompiledModule {
        module,
        hash: hex(&digest),
        size: binary.len(),
        compile_time: started.elapsed(),
    });
    log::debug!(
        "compiled module {} ({} bytes) in {:?}",
        compiled.hash,
        compiled.size,
        compiled.compile_time
    );
    let mut cache = cache().lock();
    cache.retain(|_, weak| weak.strong_count() > 0);
    // Another thread may have compiled the same bytes meanwhile: keep one copy.
    if let Some(raced) = cache.get(&digest).and_then(Weak::upgrade) {
        return Ok(raced);
    }
    cache.insert(digest, Arc::downgrade(&compiled));
    Ok(compiled)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
