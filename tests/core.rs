//! The pure-Rust core, without a JVM: loading, calling, errors, traps, handles, threads.

use pulsar_wasm::{call_i64, definition, load_i64, unload, Error, Handle, Limits};

fn unary(body: &str) -> Vec<u8> {
    format!(r#"(module (func (export "apply") (param i64) (result i64) {body}))"#).into_bytes()
}

const TRAPS: &str = r#"
(module
  (memory 1)
  (func $recurse (param i64) (result i64) local.get 0 i64.const 1 i64.add call $recurse)
  (func (export "apply") (param $x i64) (result i64)
    (if (i64.eq (local.get $x) (i64.const -1)) (then unreachable))
    (if (i64.eq (local.get $x) (i64.const 0)) (then (return (i64.div_s (i64.const 1) (local.get $x)))))
    (if (i64.eq (local.get $x) (i64.const 1)) (then (return (i64.load (i32.const 0x7fffffff)))))
    (if (i64.eq (local.get $x) (i64.const 2)) (then (return (call $recurse (local.get $x)))))
    (i64.mul (local.get $x) (i64.const 2))))
"#;

#[test]
fn loads_and_calls_wat_and_binary() -> Result<(), Error> {
    let text = unary("local.get 0 i64.const 1 i64.add");
    let handle = load_i64(&text, "apply", Limits::default())?;
    assert_eq!(call_i64(handle, 41)?, 42);
    assert_eq!(call_i64(handle, i64::MAX)?, i64::MIN);

    let binary = wasmer::wat2wasm(&text)
        .map_err(|e| Error::Compile(e.to_string()))?
        .into_owned();
    assert_eq!(&binary[..4], b"\0asm");
    let again = load_i64(&binary, "apply", Limits::default())?;
    assert_eq!(call_i64(again, 1)?, 2);
    // Text and binary of the same module share one compilation.
    assert!(std::sync::Arc::ptr_eq(
        &definition(handle)?.module,
        &definition(again)?.module
    ));
    assert!(unload(handle) && unload(again));
    Ok(())
}

#[test]
fn bad_bytes_are_compile_errors_with_the_engines_message() {
    match load_i64(b"not wasm at all", "apply", Limits::default()) {
        Err(Error::Compile(msg)) => assert!(!msg.is_empty()),
        other => panic!("expected a compile error, got {other:?}"),
    }
    assert!(matches!(
        load_i64(b"\0asm\x01\0\0\0\x01\x05", "apply", Limits::default()),
        Err(Error::Compile(_))
    ));
}

#[test]
fn missing_export_lists_what_there_is() {
    let wat = br#"(module (memory (export "mem") 1) (func (export "run") (param i32) (result i32) local.get 0))"#;
    match load_i64(wat, "apply", Limits::default()) {
        Err(Error::MissingExport { name, available }) => {
            assert_eq!(name, "apply");
            assert_eq!(
                available,
                vec!["mem: memory".to_owned(), "run: func (i32) -> (i32)".to_owned()]
            );
        }
        other => panic!("expected a missing export, got {other:?}"),
    }
}

#[test]
fn wrong_signature_says_expected_and_actual() {
    let wat = br#"(module (func (export "apply") (param i64 i64) (result i64) local.get 0))"#;
    match load_i64(wat, "apply", Limits::default()) {
        Err(Error::WrongSignature { expected, actual, .. }) => {
            assert_eq!(expected, "func (i64) -> (i64)");
            assert_eq!(actual, "func (i64, i64) -> (i64)");
        }
        other => panic!("expected a wrong signature, got {other:?}"),
    }
}

#[test]
fn unresolved_imports_are_named() {
    let wat = br#"(module (import "env" "host_log" (func (param i64))) (func (export "apply") (param i64) (result i64) local.get 0))"#;
    match load_i64(wat, "apply", Limits::default()) {
        Err(Error::UnresolvedImport { imports }) => {
            assert_eq!(imports, vec!["env.host_log: func (i64) -> ()".to_owned()])
        }
        other => panic!("expected an unresolved import, got {other:?}"),
    }
}

#[test]
fn traps_carry_kind_and_backtrace_and_the_function_recovers() -> Result<(), Error> {
    let handle = load_i64(TRAPS.as_bytes(), "apply", Limits::default())?;
    for (input, kind) in [
        (-1, "UnreachableCodeReached"),
        (0, "IntegerDivisionByZero"),
        (1, "HeapAccessOutOfBounds"),
        (2, "StackOverflow"),
    ] {
        match call_i64(handle, input) {
            Err(Error::Trap { code, trace, .. }) => {
                assert_eq!(code.as_deref(), Some(kind));
                // wasmer records no frames for a stack overflow; every other trap has them.
                if kind != "StackOverflow" {
                    assert!(!trace.is_empty(), "a {kind} trap has a wasm backtrace");
                }
            }
            other => panic!("input {input}: expected a {kind} trap, got {other:?}"),
        }
        assert_eq!(call_i64(handle, 21)?, 42, "works after a {kind} trap");
    }
    unload(handle);
    Ok(())
}

#[test]
fn unloaded_and_forged_handles_are_refused() -> Result<(), Error> {
    let handle = load_i64(&unary("local.get 0"), "apply", Limits::default())?;
    assert!(unload(handle));
    assert!(!unload(handle), "unload is idempotent");
    assert_eq!(call_i64(handle, 1), Err(Error::Closed));
    // The slot is reused with a new generation; the old handle stays dead.
    let next = load_i64(&unary("local.get 0 i64.const 5 i64.add"), "apply", Limits::default())?;
    assert_eq!(call_i64(handle, 1), Err(Error::Closed));
    assert_eq!(call_i64(next, 1)?, 6);
    // Live handles have an odd generation (the high 32 bits): these can never be live, whatever
    // other tests load meanwhile.
    // Some name free slots, whose generation is even too: unloading one must not free it again.
    let slot = next.into_raw() & 0xffff_ffff;
    assert!(unload(next));
    let free_now = next.into_raw() + (1 << 32); // `next`'s slot, free again since the unload
    for raw in [
        0,
        1,
        0xdead_beef,
        2 << 32,
        (4 << 32) | 7,
        0xffff_fffe_ffff_ffff,
        free_now,
        slot + 1,
    ] {
        assert_eq!(call_i64(Handle::from_raw(raw), 1), Err(Error::Closed));
        assert!(!unload(Handle::from_raw(raw)), "unloaded {raw:#x}");
    }
    // Had a forged unload put a slot on the free list twice, two loads would share it.
    let (a, b) = (
        load_i64(&unary("local.get 0"), "apply", Limits::default())?,
        load_i64(&unary("local.get 0"), "apply", Limits::default())?,
    );
    assert_ne!(a.into_raw() & 0xffff_ffff, b.into_raw() & 0xffff_ffff);
    assert_eq!((call_i64(a, 3)?, call_i64(b, 4)?), (3, 4));
    unload(a);
    unload(b);
    Ok(())
}

#[test]
fn many_threads_share_one_function() -> Result<(), Error> {
    let handle = load_i64(&unary("local.get 0 local.get 0 i64.mul"), "apply", Limits::default())?;
    let threads: Vec<_> = (0..8i64)
        .map(|t| {
            std::thread::spawn(move || -> Result<(), Error> {
                for i in t * 10_000..(t + 1) * 10_000 {
                    assert_eq!(call_i64(handle, i)?, i.wrapping_mul(i));
                }
                Ok(())
            })
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| Error::Closed)??;
    }
    unload(handle);
    Ok(())
}

#[test]
fn unload_on_another_thread_is_seen_by_this_one() -> Result<(), Error> {
    let handle = load_i64(&unary("local.get 0 i64.const 2 i64.add"), "apply", Limits::default())?;
    assert_eq!(call_i64(handle, 1)?, 3);
    let closer = std::thread::spawn(move || unload(handle));
    assert!(closer.join().map_err(|_| Error::Closed)?);
    assert_eq!(call_i64(handle, 1), Err(Error::Closed));
    Ok(())
}

#[test]
fn each_module_has_its_own_engine_and_equal_bytes_share_one() -> Result<(), Error> {
    let a = load_i64(&unary("local.get 0 i64.const 11 i64.add"), "apply", Limits::default())?;
    let b = load_i64(&unary("local.get 0 i64.const 12 i64.add"), "apply", Limits::default())?;
    let a2 = load_i64(&unary("local.get 0 i64.const 11 i64.add"), "apply", Limits::default())?;
    let (da, db, da2) = (definition(a)?, definition(b)?, definition(a2)?);
    assert!(std::sync::Arc::ptr_eq(&da.module, &da2.module));
    assert_ne!(da.module.engine.id(), db.module.engine.id());
    assert_eq!((call_i64(a, 1)?, call_i64(b, 1)?, call_i64(a2, 1)?), (12, 13, 12));
    for h in [a, b, a2] {
        unload(h);
    }
    Ok(())
}
