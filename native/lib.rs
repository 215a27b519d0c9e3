//! Runs WebAssembly functions for Apache Pulsar's Java function runtime.
//!
//! The pure-Rust core ([`module`], [`function`], [`error`]) compiles, caches, instantiates
//! and calls guests and is tested without a JVM; [`jni`](crate::jni) is the thin layer
//! that exposes it to `WasmLoader.java`.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod abi;
pub mod artifact;
pub mod deadline;
pub mod error;
pub mod function;
pub mod host;
mod jni;
pub mod limits;
pub mod module;
mod signals;
mod slab;
pub mod wasi;

pub use error::{Error, Result};
pub use function::{
    call_i64, definition, functions_loaded, instances_in_use, load, load_i64, load_with, process, unload, Handle,
};
pub use host::{Grants, Host, HostFailure, HostFunction, HostSpec, Shape};
pub use limits::Limits;
