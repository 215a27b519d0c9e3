package io.github.pulsarwasm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

/** Bytes/record guests (ABI v1) from Java: payloads, effects, host functions, errors. */
class ProcessorTest {
    /** A v1 guest with every pulsar_v1 import, strings at 1024 and `body` as pulsar_process. */
    static byte[] guest(String imports, String body, String data) {
        return Wat.bytes("""
                (module
                  (import "pulsar_v1" "log" (func $log (param i32 i32 i32) (result i32)))
                  (import "pulsar_v1" "config_get" (func $config_get (param i32 i32 i32 i32) (result i32)))
                  (import "pulsar_v1" "state_get" (func $state_get (param i32 i32 i32 i32) (result i32)))
                  (import "pulsar_v1" "state_put" (func $state_put (param i32 i32 i32 i32) (result i32)))
                  (import "pulsar_v1" "state_delete" (func $state_delete (param i32 i32) (result i32)))
                  (import "pulsar_v1" "counter_incr" (func $counter_incr (param i32 i32 i64) (result i32)))
                  (import "pulsar_v1" "counter_get" (func $counter_get (param i32 i32 i32) (result i32)))
                  (import "pulsar_v1" "metric" (func $metric (param i32 i32 f64) (result i32)))
                  (import "pulsar_v1" "publish" (func $publish (param i32 i32 i32 i32 i32) (result i32)))
                  %s
                  (memory (export "memory") 2)
                  (global $heap (mut i32) (i32.const 65536))
                  (data (i32.const 1024) "%s")
                  (func (export "pulsar_abi_version_1"))
                  (func (export "pulsar_alloc") (param $size i32) (result i32)
                    (local $ptr i32)
                    (local.set $ptr (global.get $heap))
                    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
                    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
                      (then (drop (memory.grow (i32.add (i32.div_u (i32.sub (global.get $heap)
                          (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))))))
                    (local.get $ptr))
                  (func $out (param $ptr i32) (param $len i32) (result i64)
                    (i64.or (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32)) (i64.extend_i32_u (local.get $ptr))))
                  (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64)
                    %s))
                """.formatted(imports, data, body));
    }

    static final String ECHO = "(call $out (local.get $p) (local.get $n))";

    /** Records every effect and answers state reads from a map. */
    static final class Recording implements WasmContext {
        final List<String> events = new ArrayList<>();
        final Map<String, byte[]> state = new HashMap<>();
        final Map<String, Long> counters = new HashMap<>();
        final List<String> published = new ArrayList<>();

        @Override public void log(int level, String message) { events.add("log " + level + " " + message); }
        @Override public void recordMetric(String name, double value) { events.add("metric " + name + " " + value); }
        @Override public byte[] getState(String key) { return state.get(key); }
        @Override public void putState(String key, byte[] value) { state.put(key, value); events.add("put " + key); }
        @Override public void deleteState(String key) { state.remove(key); events.add("delete " + key); }
        @Override public long getCounter(String key) { return counters.getOrDefault(key, 0L); }
        @Override public void incrCounter(String key, long delta) { counters.merge(key, delta, Long::sum); events.add("incr " + key); }
        @Override public CompletableFuture<?> publish(String topic, WasmOutputRecord record) {
            published.add(topic + " " + record.valueAsString() + " key=" + record.key());
            return CompletableFuture.completedFuture(null);
        }
    }

    @Test
    void bytesAndStringsRoundTripOfManySizes() {
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", ECHO, "")).build()) {
            for (int size : new int[] {0, 1, 100, 1024, 1025, 65536, 1 << 20, 7}) {
                byte[] in = new byte[size];
                for (int i = 0; i < size; i++) {
                    in[i] = (byte) (i * 31);
                }
                assertArrayEquals(in, p.apply(in), "size " + size);
            }
            assertEquals("héllo wörld ✓", p.applyString("héllo wörld ✓"));
        }
    }

    @Test
    void zeroFiltersAndTheGuestsErrorIsAnExceptionWithItsMessage() {
        String body = """
                (if (i32.eqz (local.get $n)) (then (return (i64.const 0))))
                (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 33))
                  (then (return (i64.or (i64.const 0x8000000000000000) (call $out (i32.const 1024) (i32.const 17))))))
                (call $out (local.get $p) (local.get $n))""";
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", body, "not a JSON object")).build()) {
            assertNull(p.apply(new byte[0]));
            WasmGuestException e = assertThrows(WasmGuestException.class, () -> p.applyString("!"));
            assertTrue(e.getMessage().endsWith("not a JSON object"), e.getMessage());
            assertEquals("ok", p.applyString("ok"));
        }
    }

    @Test
    void effectsAreAppliedInOrderAndReadsSeeTheContext() {
        // "hello"@1024 "k"@1029 "v"@1030 "m"@1031 "side"@1032 "c"@1036
        String body = """
                (drop (call $log (i32.const 2) (i32.const 1024) (i32.const 5)))
                (drop (call $state_put (i32.const 1029) (i32.const 1) (i32.const 1030) (i32.const 1)))
                (drop (call $counter_incr (i32.const 1036) (i32.const 1) (i64.const 3)))
                (drop (call $metric (i32.const 1031) (i32.const 1) (f64.const 0.5)))
                (drop (call $publish (i32.const 1032) (i32.const 4) (i32.const 1024) (i32.const 5) (i32.const 0)))
                (drop (call $counter_get (i32.const 1036) (i32.const 1) (i32.const 2048)))
                (drop (call $state_put (i32.const 1036) (i32.const 1) (i32.const 1030) (i32.const 1)))
                (drop (call $state_delete (i32.const 1036) (i32.const 1)))
                (call $out (i32.const 2048) (i32.const 8))""";
        Recording context = new Recording();
        context.counters.put("c", 10L);
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", body, "hellokvmsidec")).grantState(true)
                .grantPublish(List.of("side")).build()) {
            WasmOutputRecord out = p.process(WasmRecord.of("x"), context);
            assertEquals(13L, java.nio.ByteBuffer.wrap(out.value()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
            assertEquals(List.of("log 2 hello", "put k", "incr c", "metric m 0.5", "put c", "delete c"), context.events);
            assertNull(context.state.get("c"));
            assertEquals(List.of("persistent://public/default/side hello key=null"), context.published);
            assertEquals("v", new String(context.state.get("k"), UTF_8));
            assertEquals(13L, context.counters.get("c"));
        }
    }

    @Test
    void withoutGrantsTheGuestGetsNotPermittedAndTheFunctionLogsItOnce() {
        String body = """
                (i32.store (i32.const 2048) (call $state_put (i32.const 1029) (i32.const 1) (i32.const 1030) (i32.const 1)))
                (i32.store (i32.const 2052) (call $publish (i32.const 1032) (i32.const 4) (i32.const 1024) (i32.const 5) (i32.const 0)))
                (call $out (i32.const 2048) (i32.const 8))""";
        Recording context = new Recording();
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", body, "hellokvmside")).grantPublish(List.of("other-*")).build()) {
            for (int i = 0; i < 3; i++) {
                WasmOutputRecord out = p.process(WasmRecord.of("x"), context);
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(out.value()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                assertEquals(-3, b.getInt(), "state_put: NOT_PERMITTED");
                assertEquals(-3, b.getInt(), "publish: NOT_PERMITTED");
            }
            assertEquals(2, context.events.size(), context.events.toString());
            assertTrue(context.events.get(0).startsWith("log 3 ") && context.events.get(0).contains("wasm.grant.state"));
            assertTrue(context.events.get(1).contains("persistent://public/default/side"), context.events.get(1));
            assertTrue(context.published.isEmpty());
            assertTrue(context.state.isEmpty());
        }
    }

    @Test
    void aTrapKeepsTheLogLinesAndDropsTheOtherEffects() {
        String body = """
                (drop (call $log (i32.const 4) (i32.const 1024) (i32.const 5)))
                (drop (call $state_put (i32.const 1029) (i32.const 1) (i32.const 1030) (i32.const 1)))
                (drop (call $publish (i32.const 1032) (i32.const 4) (i32.const 1024) (i32.const 5) (i32.const 0)))
                (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 33)) (then unreachable))
                (call $out (local.get $p) (local.get $n))""";
        Recording context = new Recording();
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", body, "hellokvmside")).grantState(true)
                .grantPublish(List.of("side")).build()) {
            WasmTrapException e = assertThrows(WasmTrapException.class, () -> p.process(WasmRecord.of("!"), context));
            assertEquals("UnreachableCodeReached", e.trapCode());
            assertEquals(List.of("log 4 hello"), context.events);
            assertTrue(context.published.isEmpty());
            assertTrue(context.state.isEmpty());
            p.process(WasmRecord.of("ok"), context);
            assertEquals(1, context.published.size());
        }
    }

    static final String USER = """
            (import "pulsar_user" "score" (func $score (param i64) (result i64)))
            (import "pulsar_user" "clamp" (func $clamp (param i64 i64) (result i64)))
            (import "pulsar_user" "geo" (func $geo (param i32 i32 i32 i32) (result i32)))""";

    @Test
    void javaHostFunctionsOfEveryShape() {
        String body = """
                (i64.store (i32.const 2048) (call $score (i64.extend_i32_u (local.get $n))))
                (i64.store (i32.const 2056) (call $clamp (i64.const 100) (i64.const 42)))
                (i32.store (i32.const 2064) (call $geo (local.get $p) (local.get $n) (i32.const 2100) (i32.const 64)))
                (call $out (i32.const 2048) (i32.const 64))""";
        WasmHostFunctions host = WasmHostFunctions.builder()
                .longFunction("score", x -> x * 7 + 3)
                .longFunction("clamp", Math::min)
                .bytesFunction("geo", in -> ("geo:" + new String(in, UTF_8)).getBytes(UTF_8))
                .build();
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest(USER, body, "")).hostFunctions(host).build()) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(p.applyString("1.2.3.4").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertEquals(7 * 7 + 3, b.getLong());
            assertEquals(42, b.getLong());
            assertEquals(11, b.getInt());
            byte[] geo = new byte[11];
            b.position(52);
            b.get(geo);
            assertEquals("geo:1.2.3.4", new String(geo, UTF_8));
        }
    }

    @Test
    void anExceptionInAHostFunctionIsTheCauseAfterWasmUnwound() {
        String body = "(drop (call $score (i64.extend_i32_u (local.get $n)))) (call $out (local.get $p) (local.get $n))";
        IllegalStateException thrown = new IllegalStateException("model not loaded");
        WasmHostFunctions host = WasmHostFunctions.builder()
                .longFunction("score", x -> {
                    if (x == 0) {
                        throw thrown;
                    }
                    return x;
                })
                .longFunction("clamp", Math::min)
                .bytesFunction("geo", in -> in)
                .build();
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest(USER, body, "")).hostFunctions(host).build()) {
            WasmHostFunctionException e = assertThrows(WasmHostFunctionException.class, () -> p.apply(new byte[0]));
            assertSame(thrown, e.getCause());
            assertTrue(e.getMessage().contains("pulsar_user.score failed: java.lang.IllegalStateException: model not loaded"),
                    e.getMessage());
            assertEquals("HostFunction", e.trapCode());
            assertEquals("fine", p.applyString("fine"));
        }
    }

    @Test
    void aHostFunctionThatCallsWasmIsRefused() {
        try (WasmFunction plus1 = WasmFunction.fromBytes(Wat.PLUS1)) {
            WasmHostFunctions host = WasmHostFunctions.builder()
                    .longFunction("score", x -> plus1.applyAsLong(x))
                    .longFunction("clamp", Math::min)
                    .bytesFunction("geo", in -> in)
                    .build();
            String body = "(drop (call $score (i64.const 1))) (call $out (local.get $p) (local.get $n))";
            try (WasmProcessor p = WasmProcessor.builder().wasm(guest(USER, body, "")).hostFunctions(host).build()) {
                WasmHostFunctionException e = assertThrows(WasmHostFunctionException.class, () -> p.applyString("x"));
                assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
                assertTrue(e.getCause().getMessage().contains("re-entrant"), e.getCause().getMessage());
            }
            assertEquals(6L, plus1.applyAsLong(5));
        }
    }

    @Test
    void aFunctionOfNumbersCanCallJava() {
        byte[] wasm = Wat.bytes("""
                (module (import "pulsar_user" "twice" (func $t (param i64) (result i64)))
                  (func (export "apply") (param i64) (result i64) (i64.add (call $t (local.get 0)) (i64.const 1))))""");
        WasmHostFunctions host = WasmHostFunctions.builder().longFunction("twice", x -> 2 * x).build();
        try (WasmFunction f = WasmFunction.fromBytes(wasm, "apply", WasmLimits.defaults(), host)) {
            for (long x = -1000; x < 1000; x++) {
                assertEquals(2 * x + 1, f.applyAsLong(x));
            }
        }
    }

    @Test
    void loadErrorsNameWhatIsWrong() {
        WasmLinkException unregistered = assertThrows(WasmLinkException.class,
                () -> WasmProcessor.builder().wasm(guest(USER, ECHO, ""))
                        .hostFunctions(WasmHostFunctions.builder().longFunction("score", x -> x).build()).build());
        assertTrue(unregistered.getMessage().contains("pulsar_user.clamp, which is not registered (registered: score (long))"),
                unregistered.getMessage());

        WasmLinkException v2 = assertThrows(WasmLinkException.class, () -> WasmProcessor.builder().wasm(Wat.bytes("""
                (module (memory (export "memory") 1) (func (export "pulsar_abi_version_2"))
                  (func (export "pulsar_process") (param i32 i32) (result i64) i64.const 0))""")).build());
        assertTrue(v2.getMessage().contains("this library supports version 1"), v2.getMessage());

        WasmLinkException numbers = assertThrows(WasmLinkException.class,
                () -> WasmProcessor.builder().wasm(Wat.PLUS1).build());
        assertTrue(numbers.getMessage().contains("loaded as a WasmFunction"), numbers.getMessage());

        WasmLinkException bytesAsNumbers = assertThrows(WasmLinkException.class,
                () -> WasmFunction.fromBytes(guest("", ECHO, "")));
        assertTrue(bytesAsNumbers.getMessage().contains("load it as a WasmProcessor"), bytesAsNumbers.getMessage());

        assertThrows(IllegalArgumentException.class, () -> WasmProcessor.builder().wasm(guest("", ECHO, ""))
                .grantPublish(List.of("not a topic")).build());
    }

    @Test
    void aBadPointerFromTheGuestIsATrapNotACrash() {
        String body = "(drop (call $log (i32.const 2) (i32.const 131000) (i32.const 4096))) (call $out (local.get $p) (local.get $n))";
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", body, "")).build()) {
            WasmTrapException e = assertThrows(WasmTrapException.class, () -> p.applyString("x"));
            assertTrue(e.getMessage().contains("bad pointer from the guest: the log line at 131000..135096"), e.getMessage());
        }
        String result = "(call $out (i32.const 131000) (i32.const 4096))";
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", result, "")).build()) {
            WasmTrapException e = assertThrows(WasmTrapException.class, () -> p.applyString("x"));
            assertTrue(e.getMessage().contains("outside its memory"), e.getMessage());
        }
    }

    @Test
    void configValuesAreStringsOrJson() {
        // "env"@1024 "obj"@1027
        String body = """
                (i32.store (i32.const 2048) (call $config_get (i32.const 1024) (i32.const 3) (i32.const 2100) (i32.const 100)))
                (i32.store (i32.const 2052) (call $config_get (i32.const 1027) (i32.const 3) (i32.const 2200) (i32.const 100)))
                (call $out (i32.const 2048) (i32.const 300))""";
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", body, "envobj"))
                .config(Map.of("env", "prod", "obj", Map.of("a", List.of(1, "x\"y")))).build()) {
            byte[] out = p.apply(new byte[0]);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int envLength = b.getInt();
            int objLength = b.getInt();
            assertEquals("prod", new String(out, 52, envLength, UTF_8));
            assertEquals("{\"a\":[1,\"x\\\"y\"]}", new String(out, 152, objLength, UTF_8));
        }
    }

    @Test
    void madeUpValuesAtTheNativeMethodsGiveExceptions() {
        byte[] v1 = guest("", ECHO, "");
        assertThrows(IllegalArgumentException.class, () -> WasmLoader.load(v1, null, 16, 16, 0, 0, new byte[] {1, 2, 3}, null, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> WasmLoader.load(v1, null, 16, 16, 0, 0, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, null, null, null));
        // A bridge of the wrong class: its methods are not found, nothing is called.
        byte[] empty = new byte[24]; // no functions, config, grants, WASI arguments or environment
        assertThrows(WasmException.class, () -> WasmLoader.load(v1, null, 16, 16, 0, 0, empty, "not a bridge", null, null));
        byte[] out = new byte[16];
        assertThrows(IllegalStateException.class, () -> WasmLoader.process(12345L, new byte[1], 1, out, 16));
        assertThrows(IllegalStateException.class, () -> WasmLoader.process(0L, new byte[1], 1, out, 16));
        long handle = WasmLoader.load(v1, null, 16, 16, 0, 0, empty, null, null, null);
        try {
            assertThrows(NullPointerException.class, () -> WasmLoader.process(handle, null, 0, out, 16));
            assertThrows(NullPointerException.class, () -> WasmLoader.process(handle, new byte[1], 1, null, 16));
            assertThrows(IllegalArgumentException.class, () -> WasmLoader.process(handle, new byte[1], -1, out, 16));
            assertThrows(IllegalArgumentException.class, () -> WasmLoader.process(handle, new byte[1], 2, out, 16));
            assertNull(WasmLoader.process(handle, new byte[] {42, 43}, 1, out, 16), "a reply that fits is written into the buffer");
            assertArrayEquals(new byte[] {1, 1, 0, 0, 0, 42, 0, 0, 0, 0}, Arrays.copyOf(out, 10));
            // A buffer said to be longer than it is: refused when the reply is copied, nothing written past it.
            assertThrows(IllegalArgumentException.class, () -> WasmLoader.process(handle, new byte[] {42}, 1, new byte[4], 16));
            byte[] small = new byte[3];
            byte[] own = WasmLoader.process(handle, new byte[] {7}, 1, small, 3);
            assertArrayEquals(new byte[] {1, 1, 0, 0, 0, 7, 0, 0, 0, 0}, own, "a larger reply comes in an array of its own");
            assertArrayEquals(new byte[3], small);
        } finally {
            WasmLoader.unload(handle);
        }
        try (WasmFunction f = WasmFunction.fromBytes(Wat.PLUS1)) {
            assertThrows(IllegalArgumentException.class, () -> WasmLoader.process(handleOf(f), new byte[1], 1, out, 16));
        }
    }

    private static long handleOf(WasmFunction f) {
        try {
            java.lang.reflect.Field field = WasmFunction.class.getDeclaredField("handle");
            field.setAccessible(true);
            return field.getLong(f);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void threadsEachGetTheirOwnInstanceReplyBufferAndContext() throws Exception {
        // Logs the input, counts it, and echoes it: every thread must see only its own effects.
        String body = """
                (drop (call $log (i32.const 2) (local.get $p) (local.get $n)))
                (drop (call $counter_incr (i32.const 1024) (i32.const 1) (i64.const 1)))
                (call $out (local.get $p) (local.get $n))""";
        try (WasmProcessor p = WasmProcessor.builder().wasm(guest("", body, "c")).grantState(true).build()) {
            int threads = 8, records = 2000;
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    Recording context = new Recording();
                    for (int i = 0; i < records; i++) {
                        String value = "thread " + id + " record " + i + " " + "x".repeat(i % 700);
                        WasmOutputRecord out = p.process(WasmRecord.of(value), context);
                        if (!value.equals(out.valueAsString())) return "wrong output: " + out.valueAsString();
                        if (!context.events.get(context.events.size() - 2).equals("log 2 " + value)) {
                            return "wrong log line: " + context.events.get(context.events.size() - 2);
                        }
                    }
                    return context.counters.get("c") == records ? "ok" : "counter " + context.counters.get("c");
                }));
            }
            for (java.util.concurrent.Future<String> r : results) {
                assertEquals("ok", r.get());
            }
            pool.shutdown();
        }
    }
}
