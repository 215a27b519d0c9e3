;; apply(0) loops forever, apply(1) executes unreachable, apply(n) loops n times and returns n + 1.
(module
  (func (export "apply") (param $n i64) (result i64) (local $i i64)
    (if (i64.eqz (local.get $n)) (then (loop $forever (br $forever))))
    (if (i64.eq (local.get $n) (i64.const 1)) (then unreachable))
    (loop $count
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $count (i64.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $n) (i64.const 1))))
