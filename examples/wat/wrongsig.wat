;; Error guest: exports `apply` with the wrong type, (i32) -> i32 instead of (i64) -> i64.
(module
  (func (export "apply") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1))))
