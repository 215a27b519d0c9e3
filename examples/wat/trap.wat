;; Error guest: every kind of runtime trap, chosen by the argument.
;;   x <  0  -> `unreachable`
;;   x == 0  -> i64.div_s by zero (integer divide by zero)
;;   x == 1  -> i64.load at 0x7fffffff from a 1-page memory (out of bounds)
;;   x == 2  -> unbounded recursion (call stack exhausted)
;;   else    -> x * 2
(module
  (memory 1)

  ;; Not a tail call, and the result is used: no engine can turn this into a loop.
  (func $recurse (param $n i64) (result i64)
    (i64.add (call $recurse (i64.add (local.get $n) (i64.const 1))) (i64.const 1)))

  (func (export "apply") (param $x i64) (result i64)
    (if (i64.lt_s (local.get $x) (i64.const 0))
      (then (unreachable)))
    (if (i64.eqz (local.get $x))
      (then (return (i64.div_s (i64.const 1) (local.get $x)))))
    (if (i64.eq (local.get $x) (i64.const 1))
      (then (return (i64.load (i32.const 0x7fffffff)))))
    (if (i64.eq (local.get $x) (i64.const 2))
      (then (return (call $recurse (local.get $x)))))
    (i64.mul (local.get $x) (i64.const 2))))
