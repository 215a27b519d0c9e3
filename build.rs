//! Links the JNI library with `-z nodelete`.
//!
//! wasmer installs process-wide signal handlers, and Rust registers thread-local destructors,
//! that point into this library. The JVM unloads a JNI library when the class loader that
//! loaded it is collected (Pulsar does this when a function is updated or stopped), and an
//! unmapped handler would crash the JVM on the next signal or thread exit. With `nodelete`
//! the dynamic linker keeps the code mapped after `dlclose`.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
}
