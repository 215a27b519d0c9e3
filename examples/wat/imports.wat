;; Error guest: needs a host function the host does not provide (env.host_log: (i64) -> ()),
;; so instantiation must fail with an unresolved-import error. apply(x) logs x and returns it.
(module
  (import "env" "host_log" (func $host_log (param i64)))
  (func (export "apply") (param $x i64) (result i64)
    (call $host_log (local.get $x))
    (local.get $x)))
