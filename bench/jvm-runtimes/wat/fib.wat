;; Workload 2b: call-heavy compute, the naive recursive Fibonacci: apply(25) = 75025
;; (242,785 calls of $fib per apply).
(module
  (func $fib (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
  (func (export "apply") (param $n i64) (result i64)
    (call $fib (local.get $n))))
