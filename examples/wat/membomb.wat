;; Error guest: apply(0) allocates without end, as a leaking guest would: it grows its memory a
;; page at a time until memory.grow fails (-1, at the memory cap), then traps (unreachable), as
;; a guest whose allocator fails does. apply(x) = x otherwise. For memory-cap tests.
(module
  (memory (export "memory") 1)
  (func (export "apply") (param $x i64) (result i64)
    (if (i64.eqz (local.get $x))
      (then
        (loop $more
          (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
        (unreachable)))
    (local.get $x)))
