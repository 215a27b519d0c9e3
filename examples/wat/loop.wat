;; Error guest: apply(0) never returns (a busy loop, no calls, no memory); apply(x) = x otherwise.
;; For timeout / interruption tests.
(module
  (func (export "apply") (param $x i64) (result i64)
    (if (i64.eqz (local.get $x))
      (then (loop $forever (br $forever))))
    (local.get $x)))
