;; apply(x) = x + 1 (wrapping): the example from the PIP.
(module
  (func (export "apply") (param $x i64) (result i64)
    (i64.add (local.get $x) (i64.const 1))))
