package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.pulsarwasm.testfns.Spin;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Fuel, deadline, memory and table limits, through the Java API. */
class SandboxTest {
    private static final byte[] SPIN = resource("testfns/Spin.wat");

    /** Grows memory a page at a time until memory.grow fails; traps there when given 1. */
    private static final byte[] GROW = Wat.bytes("""
            (module (memory (export "memory") 1)
              (func (export "apply") (param $trap i64) (result i64)
                (block $full (loop $grow
                  (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
                  (br $grow)))
                (if (i64.eq (local.get $trap) (i64.const 1)) (then unreachable))
                (i64.extend_i32_u (memory.size))))
            """);

    @Test
    void aLoopingGuestMeetsItsDeadlineAndTheFunctionKeepsWorking() {
        try (WasmFunction f = WasmFunction.fromBytes(SPIN, "apply",
                WasmLimits.defaults().withTimeout(Duration.ofMillis(100)))) {
            for (int i = 0; i < 3; i++) {
                long started = System.nanoTime();
                WasmTimeoutException e = assertThrows(WasmTimeoutException.class, () -> f.applyAsLong(0));
                assertTrue(System.nanoTime() - started >= Duration.ofMillis(100).toNanos());
                assertEquals("Timeout", e.trapCode());
                assertTrue(e.getMessage().contains("100 ms") && e.getMessage().contains("wasm.timeout.ms"),
                        e.getMessage());
                assertEquals(11, f.applyAsLong(10));
            }
        }
    }

    @Test
    void fuelStopsALoopingGuestAndIsToldApartFromUnreachable() {
        try (WasmFunction f = WasmFunction.fromBytes(SPIN, "apply",
                WasmLimits.defaults().withFuelPerCall(100_000).withoutTimeout())) {
            WasmFuelExhaustedException e = assertThrows(WasmFuelExhaustedException.class, () -> f.applyAsLong(0));
            assertEquals("OutOfFuel", e.trapCode());
            assertTrue(e.getMessage().contains("100000") && e.getMessage().contains("wasm.fuel.perCall"),
                    e.getMessage());
            WasmTrapException own = assertThrows(WasmTrapException.class, () -> f.applyAsLong(1));
            assertFalse(own instanceof WasmFuelExhaustedException, own.toString());
            assertEquals("UnreachableCodeReached", own.trapCode());
            assertEquals(1001, f.applyAsLong(1000));
        }
    }

    @Test
    void memoryGrowsToItsCapAndATrapThereSaysSo() {
        try (WasmFunction f = WasmFunction.fromBytes(GROW, "apply", WasmLimits.defaults().withMaxMemoryPages(32))) {
            assertEquals(32, f.applyAsLong(0));
            WasmMemoryLimitException e = assertThrows(WasmMemoryLimitException.class, () -> f.applyAsLong(1));
            assertEquals("UnreachableCodeReached", e.trapCode());
            assertTrue(e.getMessage().contains("32 pages") && e.getMessage().contains("wasm.memory.maxPages"),
                    e.getMessage());
            assertEquals(32, f.applyAsLong(0));
        }
    }

    @Test
    void aModuleLargerThanTheCapsFailsToLoadWithALimitException() {
        byte[] big = Wat.bytes("(module (memory 100) (func (export \"apply\") (param i64) (result i64) local.get 0))");
        WasmLimitException e = assertThrows(WasmLimitException.class,
                () -> WasmFunction.fromBytes(big, "apply", WasmLimits.defaults().withMaxMemoryPages(10)));
        assertTrue(e.getMessage().contains("100 pages") && e.getMessage().contains("bytes"), e.getMessage());
        byte[] table = Wat.bytes("(module (table 500 funcref) (func (export \"apply\") (param i64) (result i64) local.get 0))");
        assertThrows(WasmLimitException.class,
                () -> WasmFunction.fromBytes(table, "apply", WasmLimits.defaults().withMaxTableElements(499)));
        try (WasmFunction fits = WasmFunction.fromBytes(table, "apply", WasmLimits.defaults().withMaxTableElements(500))) {
            assertEquals(3, fits.applyAsLong(3));
        }
    }

    @Test
    void aHugeTableGrowReturnsMinusOne() {
        // A delta of about 3.3 billion once made the engine allocate 26.5 GB and abort the process.
        byte[] module = Wat.bytes("(module (table 0 funcref) (func (export \"apply\") (param i64) (result i64)"
                + " (i64.extend_i32_s (table.grow 0 (ref.null func) (i32.const 0xC4000000)))))");
        try (WasmFunction f = WasmFunction.fromBytes(module)) {
            assertEquals(-1, f.applyAsLong(0));
        }
    }

    @Test
    void aStartFunctionThatNeverEndsMeetsTheDeadlineOfTheFirstCall() {
        byte[] module = Wat.bytes("""
                (module (memory 1) (global $g (mut i64) (i64.const 0))
                  (func $init
                    (global.set $g (i64.const 40))
                    (loop $forever (memory.fill (i32.const 0) (i32.const 7) (i32.const 65536)) (br $forever)))
                  (start $init)
                  (func (export "apply") (param i64) (result i64) (i64.add (local.get 0) (global.get $g))))
                """);
        try (WasmFunction f = WasmFunction.fromBytes(module, "apply",
                WasmLimits.defaults().withTimeout(Duration.ofMillis(100)))) {
            assertThrows(WasmTimeoutException.class, () -> f.applyAsLong(2));
            assertThrows(WasmTimeoutException.class, () -> f.applyAsLong(2));
            assertEquals(List.of("apply: func (i64) -> (i64)"), f.info().exports());
            assertEquals(List.of(), f.info().imports());
        }
        byte[] ends = Wat.bytes(new String(module, java.nio.charset.StandardCharsets.UTF_8)
                .replace("(loop $forever (memory.fill (i32.const 0) (i32.const 7) (i32.const 65536)) (br $forever))", ""));
        try (WasmFunction f = WasmFunction.fromBytes(ends)) {
            assertEquals(42, f.applyAsLong(2));
        }
    }

    @Test
    void aSubclassDeclaresItsLimitsInItsConstructor() {
        try (Spin spin = new Spin()) {
            assertEquals(Duration.ofMillis(100), spin.limits().timeout().orElseThrow());
            assertThrows(WasmTimeoutException.class, () -> spin.applyAsLong(0));
            assertEquals(4L, spin.apply(3L));
        }
    }

    @Test
    void deadlinesHoldOnEveryThreadAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (WasmFunction f = WasmFunction.fromBytes(SPIN, "apply",
                WasmLimits.defaults().withTimeout(Duration.ofMillis(50)))) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int stopped = 0;
                    for (int i = 0; i < 10; i++) {
                        try {
                            f.applyAsLong(0);
                        } catch (WasmTimeoutException e) {
                            stopped++;
                        }
                        assertEquals(101, f.applyAsLong(100));
                    }
                    return stopped;
                }));
            }
            for (Future<Integer> result : results) {
                assertEquals(10, result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void limitsRefuseValuesThatMakeNoSense() {
        WasmLimits d = WasmLimits.defaults();
        assertThrows(IllegalArgumentException.class, () -> d.withMaxMemoryPages(0));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxMemoryPages(65_537));
        assertThrows(IllegalArgumentException.class, () -> d.withMaxTableElements(0));
        assertThrows(IllegalArgumentException.class, () -> d.withFuelPerCall(0));
        assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ZERO));
        assertThrows(NullPointerException.class, () -> d.withTimeout(null));
        assertThrows(NullPointerException.class, () -> WasmFunction.fromBytes(Wat.PLUS1, "apply", null));
        // Made-up values straight to the native method are refused there too.
        assertThrows(IllegalArgumentException.class, () -> WasmLoader.load(Wat.PLUS1, "apply", -1, 10, 0, 0, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> WasmLoader.load(Wat.PLUS1, "apply", 10, 10, -5, 0, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> WasmLoader.load(Wat.PLUS1, "apply", 10, 10, 0, -1, null, null, null, null));
        assertEquals(Duration.ofSeconds(10), d.timeout().orElseThrow());
        assertTrue(d.fuelPerCall().isEmpty());
        assertEquals(d, WasmLimits.defaults().withFuelPerCall(5).withoutFuelLimit());
    }

    static byte[] resource(String name) {
        try (InputStream in = SandboxTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
