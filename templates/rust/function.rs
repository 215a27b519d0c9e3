//! A Pulsar function in Rust: greets the name in each message ("Ada" -> "Hello, Ada!").
//! ABI v1, `no_std` on the SDK in sdk/ (its allocator and panic handler).
//! Build: ./build.sh out/function.wasm
#![no_std]

use pulsar_wasm_guest::{self as pulsar, Buf, Level, Output};

pulsar::bytes_function!(greet);

fn greet(name: &[u8]) -> Output {
    // An error result fails this message only (Java gets a WasmGuestException); a panic traps,
    // which also throws the instance away.
    if name.is_empty() {
        return Output::error("empty name");
    }

    let greeting = match pulsar::config_get("greeting") {
        Ok(value) => value,
        Err(e) if e.is_not_found() => Buf::from("Hello"),
        Err(_) => return Output::error("cannot read config greeting"),
    };

    let mut out = Buf::with_capacity(greeting.len() + name.len() + 3);
    out.extend_from_slice(&greeting);
    out.push_str(", ");
    out.extend_from_slice(name);
    out.push_str("!");

    let mut line = Buf::from("greeted ");
    line.extend_from_slice(name);
    pulsar::log(Level::Info, &line);

    // Needs the state grant; without it the host refuses (NOT_PERMITTED) and warns once, and
    // the greeting still goes out.
    let _ = pulsar::counter_incr("greeted", 1);

    Output::from_buf(out)
}
