;; Workload 3: memory-heavy. apply(n) fills the first 64 KiB of memory with 8,192 i64 words
;; (word i of round r is i * (r + 1) + r), then loads them back and sums them; n rounds.
;; apply(16) = 33,550,336 * 136 + 8,192 * 120 = 4,563,828,736
(module
  (memory 1)
  (func (export "apply") (param $n i64) (result i64)
    (local $r i64) (local $i i32) (local $sum i64)
    (block $done
      (loop $round
        (br_if $done (i64.ge_u (local.get $r) (local.get $n)))
        ;; fill
        (local.set $i (i32.const 0))
        (loop $fill
          (i64.store
            (i32.shl (local.get $i) (i32.const 3))
            (i64.add
              (i64.mul (i64.extend_i32_u (local.get $i)) (i64.add (local.get $r) (i64.const 1)))
              (local.get $r)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $i) (i32.const 8192))))
        ;; sum
        (local.set $i (i32.const 0))
        (loop $load
          (local.set $sum
            (i64.add (local.get $sum) (i64.load (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $load (i32.lt_u (local.get $i) (i32.const 8192))))
        (local.set $r (i64.add (local.get $r) (i64.const 1)))
        (br $round)))
    (local.get $sum)))
