//! WASI preview 1 (native/wasi.rs) without a JVM: each function's behaviour, as the official
//! test suite checks it (args, environ, clocks, random, stdio, poll_oneoff, proc_exit,
//! sched_yield, sockets and files denied with their error codes), run as commands; then a
//! reactor's stdout/stderr as log lines of its records, `proc_exit` in a function, and
//! commands refused at load.

use std::collections::HashMap;
use std::sync::Arc;

use pulsar_wasm::wasi::{errno, run_command, CommandOutput, WasiConfig};
use pulsar_wasm::{load, process, unload, Error, HostSpec, Limits};

/// A command whose `_start` runs `body`; it imports `imports` (WAT) and has one page of memory
/// with `data` at 1024. `$check` exits with code 100 + `line` when its first operand differs
/// from the second, so a failing assertion names itself by its exit code.
fn command(imports: &str, body: &str, data: &str) -> Vec<u8> {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  {imports}
  (memory (export "memory") 1)
  (data (i32.const 1024) "{data}")
  (func $check (param $actual i32) (param $expected i32) (param $line i32)
    (if (i32.ne (local.get $actual) (local.get $expected))
      (then (call $proc_exit (i32.add (i32.const 100) (local.get $line))))))
  (func $check64 (param $actual i64) (param $expected i64) (param $line i32)
    (if (i64.ne (local.get $actual) (local.get $expected))
      (then (call $proc_exit (i32.add (i32.const 100) (local.get $line))))))
  (func (export "_start") {body}))"#
    )
    .into_bytes()
}

fn run(wasm: &[u8], config: WasiConfig) -> CommandOutput {
    match run_command(wasm, config, &Limits::default()) {
        Ok(output) => output,
        Err(e) => panic!("the command failed: {e}"),
    }
}

fn exit_code(wasm: &[u8]) -> i32 {
    run(wasm, WasiConfig::default()).exit_code
}

const FD_WRITE: &str =
    r#"(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))"#;

#[test]
fn args_and_environ_are_what_was_configured_nul_terminated() {
    let wasm = command(
        &(r#"(import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))"#
            .to_owned()
            + FD_WRITE),
        r#"
        ;; argc at 0, argv bytes at 4; argv pointers at 2048, strings at 4096
        (call $check (call $args_sizes_get (i32.const 0) (i32.const 4)) (i32.const 0) (i32.const 1))
        (call $check (i32.load (i32.const 0)) (i32.const 2) (i32.const 2))
        (call $check (i32.load (i32.const 4)) (i32.const 7) (i32.const 3))
        (call $check (call $args_get (i32.const 2048) (i32.const 4096)) (i32.const 0) (i32.const 4))
        (call $check (i32.load (i32.const 2048)) (i32.const 4096) (i32.const 5))
        (call $check (i32.load (i32.const 2052)) (i32.const 4099) (i32.const 6))
        (call $check (i32.load8_u (i32.const 4098)) (i32.const 0) (i32.const 7))
        (call $check (i32.load8_u (i32.const 4102)) (i32.const 0) (i32.const 8))
        ;; environ: "K=v" and "EMPTY=" -> 2 entries, 4 + 7 bytes
        (call $check (call $environ_sizes_get (i32.const 8) (i32.const 12)) (i32.const 0) (i32.const 9))
        (call $check (i32.load (i32.const 8)) (i32.const 2) (i32.const 10))
        (call $check (i32.load (i32.const 12)) (i32.const 11) (i32.const 11))
        (call $check (call $environ_get (i32.const 3072) (i32.const 5120)) (i32.const 0) (i32.const 12))
        ;; write the argv and environ strings to stdout, NULs included
        (i32.store (i32.const 16) (i32.const 4096))
        (i32.store (i32.const 20) (i32.const 7))
        (i32.store (i32.const 24) (i32.load (i32.const 3072)))
        (i32.store (i32.const 28) (i32.const 11))
        (call $check (call $fd_write (i32.const 1) (i32.const 16) (i32.const 2) (i32.const 32)) (i32.const 0) (i32.const 13))
        (call $check (i32.load (i32.const 32)) (i32.const 18) (i32.const 14))
        ;; out-of-bounds pointers are EFAULT, not a trap
        (call $check (call $args_sizes_get (i32.const 65534) (i32.const 4)) (i32.const 21) (i32.const 15))
        (call $check (call $args_get (i32.const 2048) (i32.const 65535)) (i32.const 21) (i32.const 16))"#,
        "",
    );
    let config = WasiConfig {
        args: vec!["fn".to_owned(), "a b".to_owned()],
        env: vec![("K".to_owned(), "v".to_owned()), ("EMPTY".to_owned(), String::new())],
    };
    let out = run(&wasm, config);
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout, b"fn\0a b\0K=v\0EMPTY=\0");

    // Nothing configured: no arguments and no environment, not the worker's.
    let none = command(
        r#"(import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))"#,
        r#"(call $check (call $environ_sizes_get (i32.const 0) (i32.const 4)) (i32.const 0) (i32.const 1))
           (call $check (i32.load (i32.const 0)) (i32.const 0) (i32.const 2))
           (call $check (i32.load (i32.const 4)) (i32.const 0) (i32.const 3))
           (call $check (call $args_sizes_get (i32.const 0) (i32.const 4)) (i32.const 0) (i32.const 4))
           (call $check (i32.load (i32.const 0)) (i32.const 0) (i32.const 5))"#,
        "",
    );
    assert_eq!(exit_code(&none), 0);
}

#[test]
fn clocks_run_forward_and_unknown_or_cpu_clocks_are_errors() {
    let wasm = command(
        r#"(import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
           (import "wasi_snapshot_preview1" "clock_res_get" (func $res (param i32 i32) (result i32)))"#,
        r#"
        (call $check (call $res (i32.const 0) (i32.const 0)) (i32.const 0) (i32.const 1))
        (call $check (call $res (i32.const 1) (i32.const 8)) (i32.const 0) (i32.const 2))
        (call $check (i64.gt_u (i64.load (i32.const 8)) (i64.const 0)) (i32.const 1) (i32.const 3))
        ;; realtime is after 2020-01-01
        (call $check (call $time (i32.const 0) (i64.const 1) (i32.const 16)) (i32.const 0) (i32.const 4))
        (call $check (i64.gt_u (i64.load (i32.const 16)) (i64.const 1577836800000000000)) (i32.const 1) (i32.const 5))
        ;; monotonic does not go back and is not zero
        (call $check (call $time (i32.const 1) (i64.const 0) (i32.const 24)) (i32.const 0) (i32.const 6))
        (call $check (call $time (i32.const 1) (i64.const 0) (i32.const 32)) (i32.const 0) (i32.const 7))
        (call $check (i64.ge_u (i64.load (i32.const 32)) (i64.load (i32.const 24))) (i32.const 1) (i32.const 8))
        (call $check (i64.gt_u (i64.load (i32.const 24)) (i64.const 0)) (i32.const 1) (i32.const 9))
        ;; CPU-time clocks are not offered; other ids are invalid; bad pointers are EFAULT
        (call $check (call $time (i32.const 2) (i64.const 0) (i32.const 24)) (i32.const 58) (i32.const 10))
        (call $check (call $time (i32.const 3) (i64.const 0) (i32.const 24)) (i32.const 58) (i32.const 11))
        (call $check (call $time (i32.const 9) (i64.const 0) (i32.const 24)) (i32.const 28) (i32.const 12))
        (call $check (call $time (i32.const 0) (i64.const 0) (i32.const 65532)) (i32.const 21) (i32.const 13))"#,
        "",
    );
    assert_eq!(exit_code(&wasm), 0);
}

#[test]
fn random_get_fills_the_buffer_and_zero_bytes_is_fine() {
    let wasm = command(
        &(r#"(import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))"#.to_owned()
            + FD_WRITE),
        r#"
        (call $check (call $random (i32.const 4096) (i32.const 0)) (i32.const 0) (i32.const 1))
        (call $check (call $random (i32.const 4096) (i32.const 1024)) (i32.const 0) (i32.const 2))
        (call $check (call $random (i32.const 65000) (i32.const 1024)) (i32.const 21) (i32.const 3))
        (i32.store (i32.const 0) (i32.const 4096))
        (i32.store (i32.const 4) (i32.const 1024))
        (call $check (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 0) (i32.const 4))"#,
        "",
    );
    let first = run(&wasm, WasiConfig::default());
    let second = run(&wasm, WasiConfig::default());
    assert_eq!(first.exit_code, 0);
    assert_eq!(first.stdout.len(), 1024);
    assert!(first.stdout.iter().any(|b| *b != 0));
    assert_ne!(first.stdout, second.stdout, "two draws of 1 KiB were equal");
}

#[test]
fn stdout_and_stderr_are_kept_apart_and_other_descriptors_are_ebadf() {
    let wasm = command(
        FD_WRITE,
        r#"
        (i32.store (i32.const 0) (i32.const 1024))
        (i32.store (i32.const 4) (i32.const 5))
        (call $check (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 0) (i32.const 1))
        (call $check (i32.load (i32.const 16)) (i32.const 5) (i32.const 2))
        (i32.store (i32.const 4) (i32.const 3))
        (call $check (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 0) (i32.const 3))
        ;; an invalid descriptor is EBADF before the iovecs are looked at (the suite passes none)
        (call $check (call $fd_write (i32.const -31337) (i32.const 0) (i32.const 0) (i32.const 16)) (i32.const 8) (i32.const 4))
        (call $check (call $fd_write (i32.const 3) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 8) (i32.const 5))
        (call $check (call $fd_write (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 8) (i32.const 6))
        ;; an iovec outside memory is EFAULT
        (i32.store (i32.const 0) (i32.const 65530))
        (i32.store (i32.const 4) (i32.const 100))
        (call $check (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 21) (i32.const 7))
        (call $check (call $fd_write (i32.const 1) (i32.const 65535) (i32.const 1) (i32.const 16)) (i32.const 21) (i32.const 8))
        ;; half a billion iovecs: EFAULT before the host allocates anything for them
        (call $check (call $fd_write (i32.const 1) (i32.const 0) (i32.const 500000000) (i32.const 16)) (i32.const 21) (i32.const 9))"#,
        "hello",
    );
    let out = run(&wasm, WasiConfig::default());
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout, b"hello");
    assert_eq!(out.stderr, b"hel");
}

#[test]
fn stdio_reads_as_an_empty_character_device_and_closes() {
    let wasm = command(
        r#"(import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_filestat_get" (func $filestat (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))"#,
        r#"
        (i32.store (i32.const 0) (i32.const 4096))
        (i32.store (i32.const 4) (i32.const 100))
        (i32.store (i32.const 16) (i32.const 77))
        (call $check (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 0) (i32.const 1))
        (call $check (i32.load (i32.const 16)) (i32.const 0) (i32.const 2))
        (call $check (call $fd_read (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 8) (i32.const 3))
        ;; fdstat: a character device, stdin readable and stdout writable, neither seekable
        (call $check (call $fdstat (i32.const 0) (i32.const 32)) (i32.const 0) (i32.const 4))
        (call $check (i32.load8_u (i32.const 32)) (i32.const 2) (i32.const 5))
        (call $check (i32.wrap_i64 (i64.and (i64.load (i32.const 40)) (i64.const 0x26))) (i32.const 2) (i32.const 6))
        (call $check (call $fdstat (i32.const 1) (i32.const 32)) (i32.const 0) (i32.const 7))
        (call $check (i32.wrap_i64 (i64.and (i64.load (i32.const 40)) (i64.const 0x66))) (i32.const 0x40) (i32.const 8))
        (call $check (call $fdstat (i32.const 3) (i32.const 32)) (i32.const 8) (i32.const 9))
        (call $check (call $filestat (i32.const 2) (i32.const 64)) (i32.const 0) (i32.const 10))
        (call $check (i32.load8_u (i32.const 80)) (i32.const 2) (i32.const 11))
        (call $check (call $seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 70) (i32.const 12))
        (call $check (call $seek (i32.const 5) (i64.const 0) (i32.const 0) (i32.const 16)) (i32.const 8) (i32.const 13))
        ;; closed stdio is gone
        (call $check (call $close (i32.const 0)) (i32.const 0) (i32.const 14))
        (call $check (call $close (i32.const 0)) (i32.const 8) (i32.const 15))
        (call $check (call $fdstat (i32.const 0) (i32.const 32)) (i32.const 8) (i32.const 16))
        (call $check (call $close (i32.const 3)) (i32.const 8) (i32.const 17))"#,
        "",
    );
    assert_eq!(exit_code(&wasm), 0);
}

#[test]
fn no_preopens_no_files_no_sockets_each_with_its_error_code() {
    let wasm = command(
        r#"(import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
           (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "proc_raise" (func $raise (param i32) (result i32)))
           (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))"#,
        r#"
        ;; libc's preopen scan stops at EBADF on fd 3
        (call $check (call $prestat (i32.const 3) (i32.const 0)) (i32.const 8) (i32.const 1))
        (call $check (call $open (i32.const 3) (i32.const 0) (i32.const 1024) (i32.const 8) (i32.const 0)
                                 (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0)) (i32.const 8) (i32.const 2))
        (call $check (call $open (i32.const 1) (i32.const 0) (i32.const 1024) (i32.const 8) (i32.const 0)
                                 (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0)) (i32.const 54) (i32.const 3))
        (call $check (call $readdir (i32.const 4) (i32.const 0) (i32.const 0) (i64.const 0) (i32.const 0)) (i32.const 8) (i32.const 4))
        (call $check (call $shutdown (i32.const 3) (i32.const 1)) (i32.const 8) (i32.const 5))
        (call $check (call $shutdown (i32.const 1) (i32.const 1)) (i32.const 57) (i32.const 6))
        (call $check (call $accept (i32.const 3) (i32.const 0) (i32.const 0)) (i32.const 8) (i32.const 7))
        (call $check (call $raise (i32.const 9)) (i32.const 52) (i32.const 8))
        (call $check (call $yield) (i32.const 0) (i32.const 9))"#,
        "file.txt",
    );
    assert_eq!(exit_code(&wasm), 0);
}

#[test]
fn poll_oneoff_reports_ready_stdio_at_once_and_sleeps_on_clocks() {
    // Subscriptions at 4096 (48 bytes each), events at 8192 (32 bytes each), count at 0.
    let wasm = command(
        r#"(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))"#,
        r#"
        ;; 1: a 200 ms clock (userdata 1) and stdin readable (userdata 2): stdin at once, no error
        (i64.store (i32.const 4096) (i64.const 1))
        (i32.store8 (i32.const 4104) (i32.const 0))
        (i32.store (i32.const 4112) (i32.const 1))
        (i64.store (i32.const 4120) (i64.const 200000000))
        (i64.store (i32.const 4144) (i64.const 2))
        (i32.store8 (i32.const 4152) (i32.const 1))
        (i32.store (i32.const 4160) (i32.const 0))
        (call $check (call $poll (i32.const 4096) (i32.const 8192) (i32.const 2) (i32.const 0)) (i32.const 0) (i32.const 1))
        (call $check (i32.load (i32.const 0)) (i32.const 1) (i32.const 2))
        (call $check64 (i64.load (i32.const 8192)) (i64.const 2) (i32.const 3))
        (call $check (i32.load16_u (i32.const 8200)) (i32.const 0) (i32.const 4))
        (call $check (i32.load8_u (i32.const 8202)) (i32.const 1) (i32.const 5))
        ;; 2: stdout and stderr writable (userdata 3, 4) beside the clock: both, no clock
        (i64.store (i32.const 4144) (i64.const 3))
        (i32.store8 (i32.const 4152) (i32.const 2))
        (i32.store (i32.const 4160) (i32.const 1))
        (i64.store (i32.const 4192) (i64.const 4))
        (i32.store8 (i32.const 4200) (i32.const 2))
        (i32.store (i32.const 4208) (i32.const 2))
        (call $check (call $poll (i32.const 4096) (i32.const 8192) (i32.const 3) (i32.const 0)) (i32.const 0) (i32.const 6))
        (call $check (i32.load (i32.const 0)) (i32.const 2) (i32.const 7))
        (call $check64 (i64.add (i64.load (i32.const 8192)) (i64.load (i32.const 8224))) (i64.const 7) (i32.const 8))
        ;; 3: an unknown descriptor is an event with EBADF
        (i32.store (i32.const 4160) (i32.const 9))
        (call $check (call $poll (i32.const 4144) (i32.const 8192) (i32.const 1) (i32.const 0)) (i32.const 0) (i32.const 9))
        (call $check (i32.load16_u (i32.const 8200)) (i32.const 8) (i32.const 10))
        ;; 4: the clock alone sleeps at least its 20 ms, then fires
        (i64.store (i32.const 4120) (i64.const 20000000))
        (drop (call $time (i32.const 1) (i64.const 0) (i32.const 16)))
        (call $check (call $poll (i32.const 4096) (i32.const 8192) (i32.const 1) (i32.const 0)) (i32.const 0) (i32.const 11))
        (drop (call $time (i32.const 1) (i64.const 0) (i32.const 24)))
        (call $check (i64.ge_u (i64.sub (i64.load (i32.const 24)) (i64.load (i32.const 16))) (i64.const 20000000)) (i32.const 1) (i32.const 12))
        (call $check (i32.load (i32.const 0)) (i32.const 1) (i32.const 13))
        (call $check64 (i64.load (i32.const 8192)) (i64.const 1) (i32.const 14))
        (call $check (i32.load8_u (i32.const 8202)) (i32.const 0) (i32.const 15))
        ;; 5: no subscriptions is EINVAL
        (call $check (call $poll (i32.const 4096) (i32.const 8192) (i32.const 0) (i32.const 0)) (i32.const 28) (i32.const 16))
        ;; 6: a count of subscriptions far past memory is EFAULT, not an allocation of gigabytes
        (call $check (call $poll (i32.const 4096) (i32.const 8192) (i32.const 80000000) (i32.const 0)) (i32.const 21) (i32.const 17))
        ;; 7: the longest timeout there is, absolute on the realtime clock, beside ready stdin: no overflow
        (i64.store (i32.const 4144) (i64.const 2))
        (i32.store8 (i32.const 4152) (i32.const 1))
        (i32.store (i32.const 4160) (i32.const 0))
        (i32.store (i32.const 4112) (i32.const 0))
        (i64.store (i32.const 4120) (i64.const -1))
        (i32.store16 (i32.const 4136) (i32.const 1))
        (call $check (call $poll (i32.const 4096) (i32.const 8192) (i32.const 2) (i32.const 0)) (i32.const 0) (i32.const 18))
        (i32.store16 (i32.const 4136) (i32.const 0))
        (call $check (call $poll (i32.const 4096) (i32.const 8192) (i32.const 2) (i32.const 0)) (i32.const 0) (i32.const 19))"#,
        "",
    );
    assert_eq!(exit_code(&wasm), 0);
}

#[test]
fn proc_exit_ends_the_command_with_its_code() {
    assert_eq!(
        exit_code(&command("", "(call $proc_exit (i32.const 33)) unreachable", "")),
        33
    );
    assert_eq!(
        exit_code(&command("", "(call $proc_exit (i32.const 0)) unreachable", "")),
        0
    );
    assert_eq!(exit_code(&command("", "", "")), 0);
}

#[test]
fn every_preview1_function_links_and_unknown_names_are_named() {
    // A module importing all 46 functions of preview 1 loads; one more name is refused.
    let mut imports = String::new();
    for (i, name) in pulsar_wasm::wasi::names().filter(|n| *n != "proc_exit").enumerate() {
        let ty = pulsar_wasm::wasi::signature(name).unwrap();
        let params: Vec<String> = ty.params().iter().map(|t| t.to_string().to_lowercase()).collect();
        let results: Vec<String> = ty.results().iter().map(|t| t.to_string().to_lowercase()).collect();
        imports.push_str(&format!(
            "(import \"wasi_snapshot_preview1\" \"{name}\" (func $f{i} (param {}) (result {})))\n",
            params.join(" "),
            results.join(" ")
        ));
    }
    assert_eq!(pulsar_wasm::wasi::names().count(), 46);
    let all = command(&imports, "", "");
    assert_eq!(exit_code(&all), 0);

    let wasix = br#"(module (import "wasi_snapshot_preview1" "thread_spawn" (func (param i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "apply") (param i64) (result i64) (local.get 0)))"#;
    let err = load(wasix, Some("apply"), Limits::default(), Arc::new(HostSpec::default())).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("thread_spawn") && message.contains("not a function of WASI preview 1"),
        "{message}"
    );
    assert!(message.contains("fd_write"), "{message}");

    let wrong = br#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "apply") (param i64) (result i64) (local.get 0)))"#;
    let message = load(wrong, Some("apply"), Limits::default(), Arc::new(HostSpec::default()))
        .unwrap_err()
        .to_string();
    assert!(message.contains("fd_write with the wrong type"), "{message}");
}

#[test]
fn a_command_is_refused_as_a_function_with_how_to_build_a_reactor() {
    let wasm = command("", "", "");
    let message = load(&wasm, Some("_start"), Limits::default(), Arc::new(HostSpec::default()))
        .unwrap_err()
        .to_string();
    assert!(message.contains("WASI command"), "{message}");
    assert!(
        message.contains("-buildmode=c-shared") && message.contains("-mexec-model=reactor"),
        "{message}"
    );
}

/// A v1 reactor that writes its input to stdout (no newline: the record's end ends the line)
/// and "err\n" to stderr, then echoes it; input "exit" calls proc_exit(7).
fn reactor() -> Vec<u8> {
    br#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (global $inits (mut i32) (i32.const 0))
  (data (i32.const 1024) "err\nexit")
  (func (export "_initialize") (global.set $inits (i32.add (global.get $inits) (i32.const 1))))
  (func (export "pulsar_abi_version_1"))
  (func (export "pulsar_alloc") (param $size i32) (result i32) (global.get $heap))
  (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64)
    (if (i32.and (i32.eq (local.get $n) (i32.const 4)) (i32.eq (i32.load (local.get $p)) (i32.load (i32.const 1028))))
      (then (call $proc_exit (i32.const 7))))
    (i32.store (i32.const 0) (local.get $p))
    (i32.store (i32.const 4) (local.get $n))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 16)))
    ;; the initializer ran exactly once per instance
    (if (i32.ne (global.get $inits) (i32.const 1)) (then unreachable))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 32)) (i64.extend_i32_u (local.get $p)))))"#
        .to_vec()
}

/// The log effects of a reply (layout in `native/abi.rs` `finish_reply`).
fn log_lines(reply: &[u8]) -> Vec<(u8, String)> {
    let u32_at = |at: usize| u32::from_le_bytes(reply[at..at + 4].try_into().unwrap()) as usize;
    let mut at = 1 + 4 + u32_at(1);
    let count = u32_at(at);
    at += 4;
    let mut lines = Vec::new();
    for _ in 0..count {
        assert_eq!(reply[at], 1, "only log effects expected");
        let level = reply[at + 1];
        let len = u32_at(at + 2);
        lines.push((level, String::from_utf8(reply[at + 6..at + 6 + len].to_vec()).unwrap()));
        at += 6 + len;
    }
    lines
}

#[test]
fn a_reactors_stdout_and_stderr_are_log_lines_of_its_record_and_proc_exit_fails_only_that_call() -> Result<(), Error> {
    let handle = load(&reactor(), None, Limits::default(), Arc::new(HostSpec::default()))?;
    for input in ["first", "second line"] {
        let reply = process(handle, input.as_bytes())?;
        assert_eq!(log_lines(&reply), vec![(3, "err".to_owned()), (2, input.to_owned())]);
    }
    match process(handle, b"exit") {
        Err(Error::Exit { code: 7, .. }) => {}
        other => panic!("expected an exit with code 7, got {other:?}"),
    }
    // A fresh instance, initialized once again.
    let reply = process(handle, b"after")?;
    assert_eq!(log_lines(&reply), vec![(3, "err".to_owned()), (2, "after".to_owned())]);
    assert!(unload(handle));
    Ok(())
}

#[test]
fn a_long_line_is_cut_at_the_log_cap() -> Result<(), Error> {
    let handle = load(&reactor(), None, Limits::default(), Arc::new(HostSpec::default()))?;
    let long = vec![b'x'; 8192 * 2 + 10];
    let reply = process(handle, &long)?;
    let lines = log_lines(&reply);
    let lengths: Vec<(u8, usize)> = lines.iter().map(|(level, line)| (*level, line.len())).collect();
    assert_eq!(lengths, vec![(2, 8192), (2, 8192), (3, 3), (2, 10)]);
    assert!(unload(handle));
    Ok(())
}

#[test]
fn a_sleep_never_outlasts_the_functions_timeout() {
    // poll_oneoff asked to sleep an hour: the call ends at its 200 ms deadline instead.
    let wasm = br#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "apply") (param i64) (result i64)
    (i32.store8 (i32.const 4104) (i32.const 0))
    (i32.store (i32.const 4112) (i32.const 1))
    (i64.store (i32.const 4120) (i64.const 3600000000000))
    (loop $again
      (drop (call $poll (i32.const 4096) (i32.const 8192) (i32.const 1) (i32.const 0)))
      (br $again))
    (i64.const 0)))"#;
    let limits = Limits {
        timeout: Some(std::time::Duration::from_millis(200)),
        ..Limits::default()
    };
    let handle = load(wasm, Some("apply"), limits, Arc::new(HostSpec::default())).unwrap();
    let started = std::time::Instant::now();
    let err = pulsar_wasm::call_i64(handle, 1).unwrap_err();
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert!(unload(handle));
}

#[test]
fn environment_from_the_spec_reaches_a_function() -> Result<(), Error> {
    // The spec's WASI config is what a function's environ_get sees.
    let wasm = br#"(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "apply") (param i64) (result i64)
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (i64.extend_i32_u (i32.load (i32.const 4)))))"#;
    let spec = HostSpec::new(Vec::new(), HashMap::new(), Default::default(), None).with_wasi(WasiConfig {
        args: Vec::new(),
        env: vec![("REGION".to_owned(), "eu".to_owned())],
    });
    let handle = load(wasm, Some("apply"), Limits::default(), Arc::new(spec))?;
    assert_eq!(pulsar_wasm::call_i64(handle, 0)?, "REGION=eu".len() as i64 + 1);
    assert!(unload(handle));
    let _ = errno::SUCCESS;
    Ok(())
}
