;; A record guest that publishes a side record for every delivery, then traps on the first
;; delivery of each record and succeeds on redeliveries (returning the value). The side record
;; of a trapped delivery must not be published: a redelivered record publishes once in all.
(module
  (import "pulsar_v1" "publish" (func $publish (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (data (i32.const 1024) "flaky-side")
  (func (export "pulsar_abi_version_1"))
  (func (export "pulsar_wants_record"))
  (func (export "pulsar_alloc") (param $size i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow (i32.add (i32.div_u (i32.sub (global.get $heap)
          (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))))))
    (local.get $ptr))
  (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64)
    (local $len i32)
    ;; the envelope: redelivery count at 20, value length at 24, value bytes at 28
    (local.set $len (i32.load (i32.add (local.get $p) (i32.const 24))))
    (drop (call $publish (i32.const 1024) (i32.const 10)
      (i32.add (local.get $p) (i32.const 28)) (local.get $len) (i32.const 0)))
    (if (i32.eqz (i32.load (i32.add (local.get $p) (i32.const 20)))) (then unreachable))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32))
            (i64.extend_i32_u (i32.add (local.get $p) (i32.const 28))))))
