//! Links the JNI library with `-z nodelete`, and stamps the build for precompiled artifacts.
//!
//! wasmer installs process-wide signal handlers, and Rust registers thread-local destructors,
//! that point into this library. The JVM unloads a JNI library when the class loader that
//! loaded it is collected (Pulsar does this when a function is updated or stopped), and an
//! unmapped handler would crash the JVM on the next signal or thread exit. With `nodelete`
//! the dynamic linker keeps the code mapped after `dlclose`.
//!
//! A precompiled artifact is machine code that must match the library that loads it exactly:
//! wasmer's version and settings, the compiler's, how this library transforms modules and
//! meters them. `PULSAR_WASM_BUILD` names the build: a hash of every source and of the locked
//! dependencies and compiler, so any change to them makes earlier artifacts stale (they are then
//! compiled again, never loaded).
use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
    let mut hasher = DefaultHasher::new();
    for input in ["native", "Cargo.lock", "Cargo.toml", "build.rs"] {
        println!("cargo:rerun-if-changed={input}");
        hash_path(Path::new(input), &mut hasher);
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    if let Ok(out) = std::process::Command::new(rustc).arg("-vV").output() {
        hasher.write(&out.stdout);
    }
    for var in ["TARGET", "PROFILE", "CARGO_PKG_VERSION"] {
        hasher.write(std::env::var(var).unwrap_or_default().as_bytes());
    }
    // The wasmer version, for messages and artifact footers (the crate does not export it).
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let wasmer = lock
        .split("[[package]]")
        .find(|package| package.contains("\nname = \"wasmer\"\n"))
        .and_then(|package| package.split("\nversion = \"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("unknown");
    println!("cargo:rustc-env=PULSAR_WASM_WASMER={wasmer}");
    println!(
        "cargo:rustc-env=PULSAR_WASM_BUILD={}-{:016x}",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        hasher.finish()
    );
}

/// Hashes a file's path and contents, or a directory's files in name order.
fn hash_path(path: &Path, hasher: &mut DefaultHasher) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .collect();
        entries.sort();
        for entry in entries {
            hash_path(&entry, hasher);
        }
    } else if let Ok(contents) = std::fs::read(path) {
        hasher.write(path.to_string_lossy().as_bytes());
        hasher.write(&contents);
    }
}
