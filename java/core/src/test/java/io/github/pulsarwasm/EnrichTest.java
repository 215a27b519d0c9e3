package io.github.pulsarwasm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The "enrich" example, written with each guest SDK (sdk/, examples/enrich/) and built from
 * source by examples/build.sh, run on the real host against a Java reference of its
 * specification (examples/enrich/README in check_enrich.mjs): records with and without keys,
 * properties, drop, invalid JSON, whitespace, large values.
 */
class EnrichTest {
    /** What the guest did with one record. */
    static final class Effects implements WasmContext {
        final List<String> logs = new ArrayList<>();
        final Map<String, Long> counters = new LinkedHashMap<>();
        final List<WasmOutputRecord> published = new ArrayList<>();
        final List<String> topics = new ArrayList<>();

        @Override public void log(int level, String message) { logs.add(level + " " + message); }
        @Override public void incrCounter(String key, long delta) { counters.merge(key, delta, Long::sum); }
        @Override public long getCounter(String key) { return counters.getOrDefault(key, 0L); }
        @Override public CompletableFuture<?> publish(String topic, WasmOutputRecord record) {
            topics.add(topic);
            published.add(record);
            return CompletableFuture.completedFuture(null);
        }
    }

    static long score(long length) {
        return length * 7 + 3;
    }

    static String trim(String s) {
        int from = 0, to = s.length();
        while (from < to && " \t\r\n".indexOf(s.charAt(from)) >= 0) from++;
        while (to > from && " \t\r\n".indexOf(s.charAt(to - 1)) >= 0) to--;
        return s.substring(from, to);
    }

    /** The reference: the output value, or null when filtered; throws for "not a JSON object". */
    static String enrich(String value, Map<String, String> properties, String env, String lang) {
        if ("true".equals(properties.get("drop"))) {
            return null;
        }
        String trimmed = trim(value);
        if (trimmed.length() < 2 || trimmed.charAt(0) != '{' || trimmed.charAt(trimmed.length() - 1) != '}') {
            throw new IllegalArgumentException("not a JSON object");
        }
        String body = trimmed.substring(0, trimmed.length() - 1);
        boolean hasFields = !trim(body.substring(1)).isEmpty();
        return body + (hasFields ? "," : "") + "\"source\":\"" + properties.getOrDefault("source", "unknown")
                + "\",\"env\":\"" + (env == null ? "none" : env) + "\",\"score\":" + score(trimmed.getBytes(UTF_8).length)
                + ",\"lang\":\"" + lang + "\"}";
    }

    @ParameterizedTest
    @CsvSource({"enrich_c.wasm, c", "enrich_rust.wasm, rust", "enrich_zig.wasm, zig", "enrich_as.wasm, assemblyscript"})
    void everySdkGuestMatchesTheReference(String file, String lang) {
        WasmHostFunctions host = WasmHostFunctions.builder().longFunction("score", EnrichTest::score).build();
        Random random = new Random(7);
        for (boolean withConfig : new boolean[] {true, false}) {
            Map<String, Object> config = withConfig
                    ? Map.of("env", "prod", "side_topic", "side-" + lang)
                    : Map.of();
            try (WasmProcessor p = WasmProcessor.builder().resource(getClass().getClassLoader(), "examples/" + file)
                    .hostFunctions(host).config(config).grantState(true).grantPublish(List.of("side-*")).build()) {
                assertTrue(p.wantsRecord());
                for (int i = 0; i < 1500; i++) {
                    String key = i % 4 == 0 ? null : "key-" + i + (i % 7 == 0 ? "-ключ" : "");
                    Map<String, String> properties = new LinkedHashMap<>();
                    if (i % 3 != 0) properties.put("source", "s" + (i % 5));
                    if (i % 11 == 0) properties.put("drop", i % 22 == 0 ? "true" : "false");
                    if (i % 5 == 0) properties.put("trace", "t-" + i);
                    String value = switch (i % 13) {
                        case 0 -> "not json";
                        case 1 -> "  {}  ";
                        case 2 -> "{ }";
                        case 3 -> "\t{\"big\":\"" + "x".repeat(random.nextInt(200_000)) + "\"}\n";
                        case 4 -> "{";
                        default -> "{\"id\":" + i + ",\"name\":\"n" + random.nextInt() + "\"}";
                    };
                    WasmRecord record = WasmRecord.of(value).withProperties(properties);
                    if (key != null) record = record.withKey(key);
                    Effects effects = new Effects();
                    String expected;
                    try {
                        expected = enrich(value, properties, withConfig ? "prod" : null, lang);
                    } catch (IllegalArgumentException e) {
                        final WasmRecord bad = record;
                        WasmGuestException thrown = assertThrows(WasmGuestException.class, () -> p.process(bad, effects));
                        assertTrue(thrown.getMessage().endsWith("not a JSON object"), thrown.getMessage());
                        assertTrue(effects.counters.isEmpty() && effects.published.isEmpty(), "no effects of a failed record");
                        continue;
                    }
                    WasmOutputRecord out = p.process(record, effects);
                    String where = lang + " record " + i;
                    if (expected == null) {
                        assertNull(out, where);
                        assertTrue(effects.logs.isEmpty() && effects.counters.isEmpty() && effects.published.isEmpty(), where);
                        continue;
                    }
                    assertEquals(expected, out.valueAsString(), where);
                    assertEquals(key, out.key(), where);
                    Map<String, String> props = new LinkedHashMap<>(properties);
                    props.put("lang", lang);
                    assertEquals(new ArrayList<>(props.entrySet()), new ArrayList<>(out.properties().entrySet()), where);
                    assertEquals(List.of("2 enriched " + (key == null ? "(no key)" : key)), effects.logs, where);
                    assertEquals(Map.of("enriched", 1L), effects.counters, where);
                    if (withConfig) {
                        assertEquals(List.of("persistent://public/default/side-" + lang), effects.topics, where);
                        WasmOutputRecord side = effects.published.get(0);
                        assertEquals(key, side.key(), where);
                        assertEquals(Long.toString(score(trim(value).getBytes(UTF_8).length)), side.valueAsString(), where);
                    } else {
                        assertTrue(effects.published.isEmpty(), where);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"enrich_c.wasm, c", "enrich_rust.wasm, rust", "enrich_zig.wasm, zig", "enrich_as.wasm, assemblyscript"})
    void anUngrantedSideTopicIsRefusedAndTheRecordStillEnriched(String file, String lang) {
        WasmHostFunctions host = WasmHostFunctions.builder().longFunction("score", EnrichTest::score).build();
        try (WasmProcessor p = WasmProcessor.builder().resource(getClass().getClassLoader(), "examples/" + file)
                .hostFunctions(host).config(Map.of("side_topic", "forbidden")).grantPublish(List.of("side-*")).build()) {
            Effects effects = new Effects();
            WasmOutputRecord out = p.process(WasmRecord.of("{\"a\":1}").withKey("k"), effects);
            assertEquals(enrich("{\"a\":1}", Map.of(), null, lang), out.valueAsString());
            assertTrue(effects.published.isEmpty());
            assertTrue(effects.counters.isEmpty(), "state not granted: the counter was refused");
            assertTrue(effects.logs.contains("3 publish to forbidden refused: -3"), effects.logs.toString());
            assertTrue(effects.logs.stream().anyMatch(l -> l.startsWith("3 ") && l.contains("persistent://public/default/forbidden")),
                    effects.logs.toString());
        }
    }
}
