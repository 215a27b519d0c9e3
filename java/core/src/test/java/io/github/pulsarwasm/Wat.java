package io.github.pulsarwasm;

import java.nio.charset.StandardCharsets;

/** Small WAT modules for tests. */
final class Wat {
    private Wat() {}

    static byte[] bytes(String wat) {
        return wat.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] unary(String body) {
        return bytes("(module (func (export \"apply\") (param i64) (result i64) " + body + "))");
    }

    static final byte[] PLUS1 = unary("local.get 0 i64.const 1 i64.add");

    /**
     * Traps by input: -1 unreachable, 0 division by zero, 1 out-of-bounds load, 2 wasm stack
     * overflow; otherwise returns 2x.
     */
    static final byte[] TRAPS = bytes("""
            (module
              (memory 1)
              (func $recurse (param i64) (result i64)
                local.get 0
                i64.const 1
                i64.add
                call $recurse)
              (func (export "apply") (param $x i64) (result i64)
                (if (i64.eq (local.get $x) (i64.const -1)) (then unreachable))
                (if (i64.eq (local.get $x) (i64.const 0))
                  (then (return (i64.div_s (i64.const 1) (local.get $x)))))
                (if (i64.eq (local.get $x) (i64.const 1))
                  (then (return (i64.load (i32.const 0x7fffffff)))))
                (if (i64.eq (local.get $x) (i64.const 2))
                  (then (return (call $recurse (local.get $x)))))
                (i64.mul (local.get $x) (i64.const 2))))
            """);
}
