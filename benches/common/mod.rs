//! Guests the benchmarks share, as WAT text, and the ones examples/build.sh builds.
#![allow(dead_code)] // each benchmark uses some of them

/// A guest examples/build.sh wrote to examples/out, or `None` (with a note) when it is missing.
pub fn example(name: &str) -> Option<Vec<u8>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/out")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("{} is missing: run examples/build.sh first", path.display());
            None
        }
    }
}

/// `apply(x) = x + 1`: the cost of a call and nothing else.
pub const TRIVIAL: &str =
    r#"(module (func (export "apply") (param i64) (result i64) local.get 0 i64.const 1 i64.add))"#;

/// Collatz steps of `n` (111 for 27): call-free compute, a tight loop.
pub const COLLATZ: &str = r#"(module (func (export "apply") (param $n i64) (result i64) (local $steps i64)
  (block $done (loop $step
    (br_if $done (i64.le_u (local.get $n) (i64.const 1)))
    (if (i64.eqz (i64.and (local.get $n) (i64.const 1)))
      (then (local.set $n (i64.shr_u (local.get $n) (i64.const 1))))
      (else (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1)))))
    (local.set $steps (i64.add (local.get $steps) (i64.const 1)))
    (br $step)))
  (local.get $steps)))"#;

/// 8,192 stores and 8,192 loads of 64-bit words per call.
pub const MEMORY_HEAVY: &str = r#"(module (memory 1)
  (func (export "apply") (param $n i64) (result i64) (local $i i32) (local $sum i64)
    (loop $write
      (i64.store (i32.shl (local.get $i) (i32.const 3)) (i64.mul (i64.extend_i32_u (local.get $i)) (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $write (i32.lt_u (local.get $i) (i32.const 8192))))
    (local.set $i (i32.const 0))
    (loop $read
      (local.set $sum (i64.add (local.get $sum) (i64.load (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $read (i32.lt_u (local.get $i) (i32.const 8192))))
    (local.get $sum)))"#;

/// A bytes guest (ABI v1) that returns its input: the cost of moving a payload in and out.
pub const IDENTITY_V1: &str = r#"(module
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (func (export "pulsar_abi_version_1"))
  (func (export "pulsar_alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.div_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))))))
    (local.get $ptr))
  (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 32)) (i64.extend_i32_u (local.get $p)))))"#;
