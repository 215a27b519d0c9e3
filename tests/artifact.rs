//! Precompiled artifacts: used when they match, and otherwise never loaded (compiled instead,
//! with the reason), whatever was wrong with them; and the artifact cache directory.

use std::path::PathBuf;
use std::sync::Arc;

use pulsar_wasm::artifact::{self, Cpu};
use pulsar_wasm::module::{self, Origin, Precompiled};
use pulsar_wasm::{call_i64, definition, load_with, unload, Error, HostSpec, Limits};

/// A function `apply(x) = x + n`: each test uses its own `n`, so that no test finds another's
/// module in the process-wide cache of compiled modules.
fn adder(n: i64) -> Vec<u8> {
    wasmer::wat2wasm(
        format!(r#"(module (func (export "apply") (param i64) (result i64) local.get 0 i64.const {n} i64.add))"#)
            .as_bytes(),
    )
    .unwrap()
    .into_owned()
}

/// Loads `wasm` with `precompiled`, calls `apply(1)`, and says where the code came from.
fn run(wasm: &[u8], limits: Limits, precompiled: Precompiled) -> (Origin, Option<String>, i64) {
    let handle = load_with(wasm, Some("apply"), limits, Arc::new(HostSpec::default()), precompiled).unwrap();
    let module = Arc::clone(&definition(handle).unwrap().module);
    let result = call_i64(handle, 1).unwrap();
    assert!(unload(handle));
    (module.origin, module.artifact_note.clone(), result)
}

fn with_artifact(artifact: Vec<u8>) -> Precompiled {
    Precompiled {
        artifact: Some(artifact),
        cache_dir: None,
    }
}

/// The sealed artifact with its footer's text rewritten by `edit` (the code and its checksum kept).
fn reseal(sealed: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let info = artifact::read_info(sealed).unwrap();
    let code = &sealed[..info.artifact_bytes];
    let header_len = u32::from_le_bytes(sealed[sealed.len() - 16..sealed.len() - 12].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&sealed[info.artifact_bytes..info.artifact_bytes + header_len]).unwrap();
    let header = edit(header);
    let mut out = code.to_vec();
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&sealed[sealed.len() - 12..]);
    out
}

fn assert_compiled_because(outcome: (Origin, Option<String>, i64), expected: i64, reason: &str) {
    let (origin, note, result) = outcome;
    assert_eq!(origin, Origin::Compiled);
    assert_eq!(result, expected, "the compiled module must still answer");
    let note = note.expect("a note saying why the artifact was not used");
    assert!(note.contains("the precompiled artifact was not used"), "{note}");
    assert!(note.contains(reason), "expected `{reason}` in: {note}");
}

#[test]
fn a_matching_artifact_is_loaded_instead_of_compiling() {
    let wasm = adder(100);
    let sealed = module::precompile(&wasm, false, Cpu::Host).unwrap();
    let info = artifact::read_info(&sealed).unwrap();
    assert_eq!(info.build, artifact::BUILD);
    assert!(!info.metered);
    assert_eq!(
        run(&wasm, Limits::default(), with_artifact(sealed)),
        (Origin::Artifact, None, 101)
    );
}

#[test]
fn a_portable_x86_64_v2_artifact_loads_here() {
    let wasm = adder(101);
    let sealed = module::precompile(&wasm, false, Cpu::X86_64V2).unwrap();
    assert_eq!(
        artifact::read_info(&sealed).unwrap().cpu,
        ["sse2", "sse3", "ssse3", "sse41", "sse42", "popcnt"]
    );
    assert_eq!(run(&wasm, Limits::default(), with_artifact(sealed)).0, Origin::Artifact);
}

#[test]
fn every_truncation_is_refused() {
    let wasm = adder(102);
    let sealed = module::precompile(&wasm, false, Cpu::Host).unwrap();
    // Cut inside the code, inside the footer's text, and inside its fixed trailer.
    for keep in [
        0,
        7,
        sealed.len() / 2,
        sealed.len() - 200,
        sealed.len() - 20,
        sealed.len() - 1,
    ] {
        let outcome = run(&wasm, Limits::default(), with_artifact(sealed[..keep].to_vec()));
        assert_eq!(
            outcome.0,
            Origin::Compiled,
            "an artifact cut to {keep} bytes was loaded"
        );
        assert!(outcome.1.is_some());
    }
    // Cut inside the code, with the footer kept: the length check catches it.
    let mut cut = sealed[..1000].to_vec();
    cut.extend_from_slice(&sealed[artifact::read_info(&sealed).unwrap().artifact_bytes..]);
    assert_compiled_because(run(&wasm, Limits::default(), with_artifact(cut)), 103, "truncated");
}

#[test]
fn a_damaged_byte_anywhere_in_the_code_is_refused() {
    let wasm = adder(104);
    let sealed = module::precompile(&wasm, false, Cpu::Host).unwrap();
    let code = artifact::read_info(&sealed).unwrap().artifact_bytes;
    for at in [0, 9, code / 3, code / 2, code - 1] {
        let mut damaged = sealed.clone();
        damaged[at] ^= 0x20;
        assert_compiled_because(run(&wasm, Limits::default(), with_artifact(damaged)), 105, "damaged");
    }
}

#[test]
fn an_artifact_of_another_module_is_refused() {
    let sealed = module::precompile(&adder(106), false, Cpu::Host).unwrap();
    assert_compiled_because(
        run(&adder(107), Limits::default(), with_artifact(sealed)),
        108,
        "made from another module",
    );
}

#[test]
fn an_artifact_of_another_build_is_refused() {
    let wasm = adder(109);
    let sealed = module::precompile(&wasm, false, Cpu::Host).unwrap();
    let other = reseal(&sealed, |h| h.replace(artifact::BUILD, "0.1.0-00000000deadbeef"));
    assert_compiled_because(
        run(&wasm, Limits::default(), with_artifact(other)),
        110,
        "build 0.1.0-00000000deadbeef",
    );
}

#[test]
fn an_artifact_for_another_target_or_missing_cpu_features_is_refused() {
    let wasm = adder(111);
    let sealed = module::precompile(&wasm, false, Cpu::Host).unwrap();
    let arm = reseal(&sealed, |h| {
        h.replace("target x86_64-unknown-linux-gnu", "target aarch64-unknown-linux-gnu")
    });
    assert_compiled_because(
        run(&wasm, Limits::default(), with_artifact(arm)),
        112,
        "made for aarch64",
    );
    // A feature no x86 CPU reports, so that the test holds on any machine.
    let future = reseal(&sealed, |h| {
        h.lines()
            .map(|l| {
                if l.starts_with("cpu ") {
                    format!("{l} neon\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect()
    });
    assert_compiled_because(
        run(&wasm, Limits::default(), with_artifact(future)),
        112,
        "lacks (neon)",
    );
}

#[test]
fn fuel_metering_must_match_and_a_metered_artifact_counts_fuel() {
    let spin = wasmer::wat2wasm(
        br#"(module (func (export "apply") (param i64) (result i64)
              (loop $l (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
                       (br_if $l (i64.ne (local.get 0) (i64.const 0))))
              (i64.const 113)))"#,
    )
    .unwrap()
    .into_owned();
    let fueled = Limits {
        fuel_per_call: Some(10_000),
        ..Limits::default()
    };
    let plain = module::precompile(&spin, false, Cpu::Host).unwrap();
    assert_compiled_because(run(&spin, fueled, with_artifact(plain)), 113, "--fuel");
    let metered = module::precompile(&spin, true, Cpu::Host).unwrap();
    assert_compiled_because(
        run(&spin, Limits::default(), with_artifact(metered.clone())),
        113,
        "without --fuel",
    );

    let handle = load_with(
        &spin,
        Some("apply"),
        fueled,
        Arc::new(HostSpec::default()),
        with_artifact(metered),
    )
    .unwrap();
    assert_eq!(definition(handle).unwrap().module.origin, Origin::Artifact);
    assert_eq!(call_i64(handle, 10).unwrap(), 113);
    assert!(
        matches!(call_i64(handle, 1_000_000), Err(Error::FuelExhausted { .. })),
        "a metered artifact must stop a call that runs out of fuel"
    );
    assert!(unload(handle));
}

#[test]
fn caps_apply_to_a_module_loaded_from_an_artifact() {
    // apply(n) grows memory by n pages and returns memory.grow's answer (-1 when refused).
    let grow = wasmer::wat2wasm(
        br#"(module (memory 1) (func (export "apply") (param i64) (result i64)
              (i64.extend_i32_s (memory.grow (i32.wrap_i64 (local.get 0))))))"#,
    )
    .unwrap()
    .into_owned();
    let sealed = module::precompile(&grow, false, Cpu::Host).unwrap();
    let capped = Limits {
        memory_pages: 4,
        ..Limits::default()
    };
    let handle = load_with(
        &grow,
        Some("apply"),
        capped,
        Arc::new(HostSpec::default()),
        with_artifact(sealed),
    )
    .unwrap();
    assert_eq!(definition(handle).unwrap().module.origin, Origin::Artifact);
    assert_eq!(call_i64(handle, 3).unwrap(), 1, "growing to the cap works");
    assert_eq!(call_i64(handle, 1).unwrap(), -1, "growing past the cap is refused");
    assert!(unload(handle));
}

#[test]
fn a_start_function_still_runs_from_an_artifact() {
    // The start function sets the global that apply returns.
    let started = wasmer::wat2wasm(
        br#"(module (global $g (mut i64) (i64.const 0))
              (func $init (global.set $g (i64.const 114)))
              (start $init)
              (func (export "apply") (param i64) (result i64) (i64.add (global.get $g) (local.get 0))))"#,
    )
    .unwrap()
    .into_owned();
    let sealed = module::precompile(&started, false, Cpu::Host).unwrap();
    assert_eq!(
        run(&started, Limits::default(), with_artifact(sealed)),
        (Origin::Artifact, None, 115)
    );
}

#[test]
fn garbage_is_not_an_artifact() {
    let wasm = adder(116);
    assert_compiled_because(
        run(&wasm, Limits::default(), with_artifact(vec![7; 4096])),
        117,
        "not an artifact made by pulsar-wasm",
    );
    // wasmer's own serialized form, without our footer, is refused too.
    let engine = module::new_engine(&Default::default(), None);
    let bare = wasmer::Module::new(&engine, &wasm)
        .unwrap()
        .serialize()
        .unwrap()
        .to_vec();
    assert_compiled_because(
        run(&wasm, Limits::default(), with_artifact(bare)),
        117,
        "not an artifact made by pulsar-wasm",
    );
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("pulsar-wasm-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.0).unwrap().map(|e| e.unwrap().path()).collect()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn with_cache(dir: &TempDir) -> Precompiled {
    Precompiled {
        artifact: None,
        cache_dir: Some(dir.0.clone()),
    }
}

#[test]
fn the_cache_directory_serves_the_second_load_and_heals_a_damaged_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("cache");
    let wasm = adder(118);
    // Each run unloads its function, so the next load finds no compiled module in memory.
    assert_eq!(
        run(&wasm, Limits::default(), with_cache(&dir)),
        (Origin::Compiled, None, 119)
    );
    let mode = std::fs::metadata(&dir.0).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "a cache directory it creates is its user's alone");
    let files = dir.files();
    assert_eq!(files.len(), 1, "one artifact, no temporary file left: {files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.contains(artifact::BUILD) && name.contains("-nofuel-"), "{name}");
    assert_eq!(
        run(&wasm, Limits::default(), with_cache(&dir)),
        (Origin::Cache, None, 119)
    );

    // A damaged file is not loaded; the module is compiled and the file written again.
    let mut damaged = std::fs::read(&files[0]).unwrap();
    damaged[100] ^= 1;
    std::fs::write(&files[0], damaged).unwrap();
    let (origin, note, result) = run(&wasm, Limits::default(), with_cache(&dir));
    assert_eq!((origin, result), (Origin::Compiled, 119));
    assert!(note.as_deref().unwrap_or_default().contains("damaged"), "{note:?}");
    assert_eq!(
        run(&wasm, Limits::default(), with_cache(&dir)),
        (Origin::Cache, None, 119)
    );

    // Functions with fuel get an artifact of their own.
    let fueled = Limits {
        fuel_per_call: Some(1000),
        ..Limits::default()
    };
    assert_eq!(run(&wasm, fueled, with_cache(&dir)).0, Origin::Compiled);
    assert_eq!(run(&wasm, fueled, with_cache(&dir)).0, Origin::Cache);
    assert_eq!(dir.files().len(), 2);
}

#[test]
fn a_cache_directory_others_can_write_is_not_used() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("open-cache");
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o777)).unwrap();
    let wasm = adder(120);
    for _ in 0..2 {
        let (origin, note, result) = run(&wasm, Limits::default(), with_cache(&dir));
        assert_eq!((origin, result), (Origin::Compiled, 121));
        assert!(
            note.as_deref().unwrap_or_default().contains("writable by other users"),
            "{note:?}"
        );
    }
    assert!(dir.files().is_empty(), "nothing may be written to it");
}

#[test]
fn an_artifact_outranks_the_cache_and_a_bad_one_falls_back_to_it() {
    let dir = TempDir::new("both");
    let wasm = adder(122);
    assert_eq!(run(&wasm, Limits::default(), with_cache(&dir)).0, Origin::Compiled);
    let sealed = module::precompile(&wasm, false, Cpu::Host).unwrap();
    let both = |artifact: Vec<u8>| Precompiled {
        artifact: Some(artifact),
        cache_dir: Some(dir.0.clone()),
    };
    assert_eq!(run(&wasm, Limits::default(), both(sealed.clone())).0, Origin::Artifact);
    let (origin, note, _) = run(&wasm, Limits::default(), both(sealed[..100].to_vec()));
    assert_eq!(origin, Origin::Cache);
    assert!(note.is_some_and(|n| n.contains("the precompiled artifact was not used")));
}

#[test]
fn precompiling_checks_the_module() {
    assert!(matches!(
        module::precompile(b"\0asm\x01\0\0\0\x99", false, Cpu::Host),
        Err(Error::Compile(_))
    ));
    assert!(module::precompile(b"(module (func $broken (result i32)))", false, Cpu::Host).is_err());
}
