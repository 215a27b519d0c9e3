//! Runs the preview 1 tests of the official WASI test suite (WebAssembly/wasi-testsuite,
//! branch prod/testsuite-base, which carries the built .wasm files) through this library's
//! WASI, as that suite's runner does: argv is the module's path then the test's `args`, the
//! environment exactly its `env` (only the `wasm32-wasip1` folders: the others are preview 2/3
//! components), and a test passes when the exit code is its `exit_code` and
//! stdout starts with its `stdout`. Tests that need a preopened directory (`root`) cannot pass
//! in this sandbox, which grants no filesystem: they are reported as refused, and checked to
//! end as a guest's own exit or trap, never as an error of the host.
//!
//!   cargo run --release --example wasi_testsuite -- /path/to/wasi-testsuite
//!
//! The suite is not part of this repository (it is another project's code): fetch it first.
//! Exits non-zero when an applicable test fails or a refused one ends in a host error.

use std::path::{Path, PathBuf};

use pulsar_wasm::wasi::{run_command, WasiConfig};
use pulsar_wasm::{Error, Limits};

fn wasm_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            wasm_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "wasm")
            && path
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|d| d == "wasm32-wasip1")
        {
            out.push(path);
        }
    }
}

fn main() {
    let Some(root) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: wasi_testsuite <path of a wasi-testsuite checkout (branch prod/testsuite-base)>");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    for lang in ["assemblyscript", "c", "rust"] {
        wasm_files(&root.join("tests").join(lang).join("testsuite"), &mut files);
    }
    if files.is_empty() {
        eprintln!("no tests under {}/tests/*/testsuite", root.display());
        std::process::exit(2);
    }
    let (mut passed, mut failed, mut refused, mut host_errors) = (0, 0, 0, 0);
    for wasm in &files {
        let name = wasm.strip_prefix(&root).unwrap_or(wasm).display().to_string();
        let spec: serde_json::Value = std::fs::read_to_string(wasm.with_extension("json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(serde_json::Value::Null);
        let mut args = vec![wasm
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())];
        args.extend(
            spec["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(str::to_owned)),
        );
        let env = spec["env"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let expected_code = spec["exit_code"].as_i64().unwrap_or(0) as i32;
        let expected_stdout = spec["stdout"].as_str().unwrap_or("");
        let needs_fs = spec.get("root").is_some() || spec.get("dirs").is_some();
        let bytes = match std::fs::read(wasm) {
            Ok(bytes) => bytes,
            Err(e) => {
                println!("FAIL     {name}: {e}");
                failed += 1;
                continue;
            }
        };
        let outcome = run_command(&bytes, WasiConfig { args, env }, &Limits::default());
        let line = match (&outcome, needs_fs) {
            (Ok(out), false)
                if out.exit_code == expected_code && out.stdout.starts_with(expected_stdout.as_bytes()) =>
            {
                passed += 1;
                format!("PASS     {name}")
            }
            (Ok(out), false) => {
                failed += 1;
                format!(
                    "FAIL     {name}: exit {} (expected {expected_code}), stdout {:?}, stderr {:?}",
                    out.exit_code,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            }
            (Err(e), false) => {
                failed += 1;
                format!("FAIL     {name}: {e}")
            }
            // No preopened directory: the guest finds no filesystem and gives up in its own way.
            (Ok(out), true) => {
                refused += 1;
                let said = String::from_utf8_lossy(&out.stderr);
                format!(
                    "REFUSED  {name}: exit {}; {}",
                    out.exit_code,
                    said.lines().next().unwrap_or("").trim()
                )
            }
            (Err(Error::Trap { message, .. }), true) => {
                refused += 1;
                format!(
                    "REFUSED  {name}: the guest trapped ({})",
                    message.lines().next().unwrap_or("")
                )
            }
            (Err(e), true) => {
                host_errors += 1;
                format!("HOSTERR  {name}: {e}")
            }
        };
        println!("{line}");
    }
    println!(
        "\n{} tests: {passed} passed, {failed} failed; {refused} need a filesystem and were refused by the sandbox; {host_errors} host errors",
        files.len()
    );
    if failed > 0 || host_errors > 0 {
        std::process::exit(1);
    }
}
