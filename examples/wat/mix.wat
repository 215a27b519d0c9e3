;; apply(x) = (x * 31 + 7) ^ (x >>> 17), wrapping 64-bit arithmetic, logical shift.
(module
  (func (export "apply") (param $x i64) (result i64)
    (i64.xor
      (i64.add (i64.mul (local.get $x) (i64.const 31)) (i64.const 7))
      (i64.shr_u (local.get $x) (i64.const 17)))))
