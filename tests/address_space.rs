//! Allocation failures inside the engine (a compile or an instantiation that cannot map memory)
//! are errors of that call, never a poisoned engine, a panic or a dead process, and everything
//! works again once memory is available.
//!
//! A file of its own (its own process): it lowers the process's address-space limit.

use pulsar_wasm::{call_i64, load_i64, unload, Error, Limits};

fn module(k: u64) -> Vec<u8> {
    format!(r#"(module (memory 1) (func (export "apply") (param i64) (result i64) local.get 0 i64.const {k} i64.add))"#)
        .into_bytes()
}

/// Virtual memory in use, in bytes.
fn vm_size() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn address_space_limit() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct we pass, which lives for the call.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) };
    assert_eq!(rc, 0, "getrlimit");
    limit
}

/// Sets the soft limit (never above the hard one, which an unprivileged process cannot raise).
fn set_address_space_limit(limit: libc::rlimit) {
    // SAFETY: setrlimit reads the struct we pass, which lives for the call.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    assert_eq!(rc, 0, "setrlimit");
}

#[test]
fn allocation_failures_inside_the_engine_are_errors_and_everything_recovers() -> Result<(), Error> {
    // Everything lazily initialised (signal handlers, the first store) is in place first.
    let warm = load_i64(&module(0), "apply", Limits::default())?;
    assert_eq!(call_i64(warm, 1)?, 1);

    let original = address_space_limit();
    let tight = (vm_size() + (160 << 20)).min(original.rlim_max);
    set_address_space_limit(libc::rlimit {
        rlim_cur: tight,
        rlim_max: original.rlim_max,
    });
    // No 8 GiB reservation fits now: the instance cannot be made.
    let first = load_i64(&module(1), "apply", Limits::default());
    let instance_failure = first.clone().and_then(|h| call_i64(h, 1));
    // Compile distinct modules until the compiler itself cannot get memory.
    let mut loaded = Vec::new();
    let compile_failure = loop {
        match load_i64(&module(2 + loaded.len() as u64), "apply", Limits::default()) {
            Ok(handle) => loaded.push(handle),
            Err(err) => break err,
        }
        if loaded.len() > 100_000 {
            set_address_space_limit(original);
            panic!("100,000 compiles within 160 MiB");
        }
    };
    set_address_space_limit(original);
    println!(
        "under the limit: instantiating gave {instance_failure:?}; compiling failed after {} modules with {compile_failure:?}",
        loaded.len()
    );
    assert!(
        matches!(instance_failure, Err(Error::LimitReached(ref m)) if m.contains("address space")),
        "{instance_failure:?}"
    );
    assert!(
        matches!(compile_failure, Error::LimitReached(_) | Error::Compile(_)),
        "{compile_failure:?}"
    );

    // With the limit lifted, the same functions and new ones work: no engine was poisoned.
    if let Ok(handle) = first {
        assert_eq!(call_i64(handle, 1)?, 2);
        unload(handle);
    }
    for (i, handle) in loaded.iter().enumerate().step_by(97) {
        assert_eq!(call_i64(*handle, 1)?, 3 + i as i64);
    }
    let fresh = load_i64(&module(1 << 40), "apply", Limits::default())?;
    assert_eq!(call_i64(fresh, 1)?, (1 << 40) + 1);
    assert_eq!(call_i64(warm, 5)?, 5);
    for handle in loaded.into_iter().chain([fresh, warm]) {
        unload(handle);
    }
    Ok(())
}
