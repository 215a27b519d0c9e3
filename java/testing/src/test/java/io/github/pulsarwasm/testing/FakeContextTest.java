package io.github.pulsarwasm.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.pulsarwasm.WasmGuestException;
import io.github.pulsarwasm.pulsar.WasmPulsarFunction;
import io.github.pulsarwasm.pulsar.WasmRecordFunction;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.functions.api.Record;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/**
 * The test helper, as a user's test would use it: the enrich guest (examples/enrich, Rust SDK)
 * run by the library's own Pulsar function class, with everything it did checked.
 */
class FakeContextTest {
    private static FakeContext enrichContext() {
        return FakeContext.builder()
                .userConfig("wasm.resource", "examples/enrich_rust.wasm")
                .userConfig("wasm.hostFunctions", Map.of("score", Score.class.getName()))
                .userConfig("wasm.grant.state", true)
                .userConfig("wasm.grant.publish", "side")
                .userConfig("side_topic", "side")
                .userConfig("env", "prod")
                .build();
    }

    @Test
    void aRecordFunctionRunsWithItsEffectsRecorded() throws Exception {
        FakeContext context = enrichContext();
        WasmRecordFunction function = new WasmRecordFunction();
        function.initialize(context);
        try {
            assertTrue(context.logs().get(0).message().contains("loaded WASM resource examples/enrich_rust.wasm"),
                    context.logs().toString());
            context.clearRecorded();

            Record<byte[]> out = context.process(function,
                    FakeContext.input("{\"a\":1}").key("k1").property("source", "web"));
            assertEquals("{\"a\":1,\"source\":\"web\",\"env\":\"prod\",\"score\":52,\"lang\":\"rust\"}",
                    new String(out.getValue(), UTF_8));
            assertEquals("k1", out.getKey().orElseThrow());
            assertEquals(Map.of("source", "web", "lang", "rust"), out.getProperties());
            assertEquals(1, context.counter("enriched"));
            assertEquals(List.of(new FakeContext.LogLine(Level.INFO, "enriched k1")), context.logs());
            FakeContext.Published side = context.published().get(0);
            assertEquals("persistent://public/default/side", side.topic(), "topic names as Pulsar resolves them");
            assertEquals("52", side.valueAsString());
            assertEquals("k1", side.key());

            // Filtered out: no output and no effects.
            assertNull(context.process(function, FakeContext.input("{}").property("drop", "true")));
            assertEquals(1, context.counter("enriched"));

            // The guest's own error reaches the test as an exception.
            WasmGuestException e = assertThrows(WasmGuestException.class,
                    () -> context.process(function, FakeContext.input("not json")));
            assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
        } finally {
            function.close();
        }
    }

    @Test
    void aFunctionOfNumbersRuns() throws Exception {
        FakeContext context = FakeContext.builder().userConfig("wasm.resource", "examples/collatz_c.wasm").build();
        WasmPulsarFunction function = new WasmPulsarFunction();
        function.initialize(context);
        try {
            assertEquals(111L, context.processValue(function, 27L), "Collatz steps of 27");
        } finally {
            function.close();
        }
    }

    @Test
    void stateCountersAndMetricsBehaveLikeTheRealContext() {
        FakeContext context = FakeContext.builder().build();
        context.putState("k", java.nio.ByteBuffer.wrap(new byte[] {1, 2}));
        assertEquals(List.of((byte) 1, (byte) 2), List.of(context.state("k").orElseThrow()[0], context.state("k").orElseThrow()[1]));
        context.deleteState("k");
        assertTrue(context.state("k").isEmpty());
        assertNull(context.getState("k"));
        context.incrCounter("c", 2);
        context.incrCounter("c", 3);
        assertEquals(5, context.getCounter("c"));
        context.recordMetric("m", 1.5);
        assertEquals(List.of(1.5), context.metric("m"));
        assertThrows(UnsupportedOperationException.class, context::getPulsarAdmin);
    }
}
