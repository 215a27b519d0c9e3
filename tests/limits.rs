//! How many instances one process holds, and what running out looks like.
//!
//! Each instance's linear memory reserves about 8 GiB of address space (wasmer's static
//! memories: no bounds checks in compiled code), so a 47-bit address space holds roughly 16,000
//! of them. A file of its own (its own process): it fills the address space on purpose. Run with
//! `--nocapture` to see the numbers.

use pulsar_wasm::{call_i64, instances_in_use, load_i64, unload, Error, Limits};

const GUEST: &[u8] =
    br#"(module (memory 1) (func (export "apply") (param i64) (result i64) local.get 0 i64.const 1 i64.add))"#;

#[test]
fn running_out_of_address_space_is_a_limit_error_and_the_process_recovers() -> Result<(), Error> {
    let mut handles = Vec::new();
    let failure = loop {
        let handle = load_i64(GUEST, "apply", Limits::default())?;
        handles.push(handle);
        match call_i64(handle, 41) {
            Ok(42) => {}
            Ok(other) => panic!("wrong result {other}"),
            Err(err) => break err,
        }
        assert!(handles.len() < 1_000_000, "no limit reached");
    };
    let live = instances_in_use();
    println!("instances of a 1-page guest in one process: {live} (then: {failure})");
    match &failure {
        Error::LimitReached(message) => {
            assert!(message.contains("address space"), "{message}");
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
    assert!(live > 1_000, "only {live} instances fit");
    // Freeing instances makes room again: the failed call left nothing half-made.
    for handle in handles.drain(..) {
        unload(handle);
    }
    assert_eq!(instances_in_use(), 0);
    let handle = load_i64(GUEST, "apply", Limits::default())?;
    assert_eq!(call_i64(handle, 1)?, 2);
    unload(handle);
    Ok(())
}
