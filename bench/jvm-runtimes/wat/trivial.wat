;; Workload 1: the trivial call, apply(x) = x + 1.
(module
  (func (export "apply") (param i64) (result i64)
    local.get 0
    i64.const 1
    i64.add))
