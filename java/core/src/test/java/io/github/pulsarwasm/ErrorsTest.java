package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorsTest {
    @Test
    void bytesThatAreNotWasmGiveTheEnginesMessage() {
        WasmCompileException e = assertThrows(WasmCompileException.class,
                () -> WasmFunction.fromBytes(Wat.bytes("this is not wasm")));
        assertTrue(e.getMessage().contains("not a valid WebAssembly module"), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), "carries the parser's own words: " + e.getMessage());

        byte[] truncated = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05};
        assertThrows(WasmCompileException.class, () -> WasmFunction.fromBytes(truncated));
        assertThrows(WasmCompileException.class, () -> WasmFunction.fromBytes(new byte[0]));
    }

    @Test
    void missingExportIsNamedWithTheExportsThereAre() {
        WasmLinkException e = assertThrows(WasmLinkException.class,
                () -> WasmFunction.fromBytes(Wat.bytes("(module (memory (export \"mem\") 1)"
                        + " (func (export \"run\") (param i32) (result i32) local.get 0))")));
        assertTrue(e.getMessage().contains("no exported function `apply`"), e.getMessage());
        assertTrue(e.getMessage().contains("run: func (i32) -> (i32)"), e.getMessage());
        assertTrue(e.getMessage().contains("mem: memory"), e.getMessage());
    }

    @Test
    void wrongSignatureShowsExpectedAndActual() {
        WasmLinkException e = assertThrows(WasmLinkException.class,
                () -> WasmFunction.fromBytes(Wat.bytes("(module (func (export \"apply\") (param i32) (result i32) local.get 0))")));
        assertTrue(e.getMessage().contains("expected func (i64) -> (i64), found func (i32) -> (i32)"), e.getMessage());
    }

    @Test
    void unresolvedImportIsNamed() {
        WasmLinkException e = assertThrows(WasmLinkException.class,
                () -> WasmFunction.fromBytes(Wat.bytes("(module (import \"env\" \"host_log\" (func (param i64)))"
                        + " (func (export \"apply\") (param i64) (result i64) local.get 0 call 0 local.get 0))")));
        assertTrue(e.getMessage().contains("env.host_log: func (i64) -> ()"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "-1, UnreachableCodeReached",
        "0, IntegerDivisionByZero",
        "1, HeapAccessOutOfBounds",
        "2, StackOverflow",
    })
    void trapsNameTheirKindAndBacktraceAndTheFunctionKeepsWorking(long input, String code) {
        try (WasmFunction f = WasmFunction.fromBytes(Wat.TRAPS)) {
            assertEquals(20L, f.apply(10L));
            WasmTrapException e = assertThrows(WasmTrapException.class, () -> f.apply(input));
            assertEquals(code, e.trapCode());
            assertTrue(e.getMessage().contains("wasm trap"), e.getMessage());
            if (!code.equals("StackOverflow")) { // wasmer records no frames for a stack overflow
                assertTrue(e.getMessage().contains("\n    at "), "has a wasm backtrace: " + e.getMessage());
            }
            for (long i = 3; i < 1000; i++) {
                assertEquals(2 * i, f.apply(i), "works again after the trap");
            }
        }
    }

    @Test
    void emptyExportNameIsAnIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> WasmFunction.fromBytes(Wat.PLUS1, ""));
    }
}
