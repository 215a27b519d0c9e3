//! Guests the benchmarks share, as WAT text.
#![allow(dead_code)] // each benchmark uses some of them

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
