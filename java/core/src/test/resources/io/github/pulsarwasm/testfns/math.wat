(module
  (func (export "times3") (param i64) (result i64)
    local.get 0
    i64.const 3
    i64.mul))
