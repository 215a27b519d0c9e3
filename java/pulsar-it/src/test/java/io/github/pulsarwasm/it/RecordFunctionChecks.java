package io.github.pulsarwasm.it;

import static io.github.pulsarwasm.it.Functions.topic;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * Sends records through a deployed enrich guest (examples/enrich) and checks every output,
 * side record and dead letter against a reference of its specification.
 */
final class RecordFunctionChecks {
    private RecordFunctionChecks() {}

    /** Message i for the wordstats guests (examples/wasi): 0 to 80 words, mixed case, mixed spaces. */
    static String words(int i) {
        String[] vocabulary = {"pulsar", "Pulsar", "wasm", "go", "C++", "topic", "message", "ünï"};
        String[] spaces = {" ", "\t", "  ", "\n"};
        StringBuilder s = new StringBuilder();
        for (int w = 0; w < (i * 7) % 81; w++) {
            if (w > 0) s.append(spaces[(i + w) % spaces.length]);
            s.append(vocabulary[(i * 31 + w * w) % vocabulary.length]);
        }
        return s.toString();
    }

    private static Map<String, Integer> wordCounts(String text) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (String word : new String(text.getBytes(UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1).split("[ \t\n\u000b\f\r]+")) {
            if (word.isEmpty()) continue;
            StringBuilder lower = new StringBuilder();
            for (char c : word.toCharArray()) lower.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
            counts.merge(lower.toString(), 1, Integer::sum);
        }
        return counts;
    }

    /** The wordstats specification (examples/wasi/wordstats.c), bytes as ISO-8859-1. */
    static String wordstats(String text) {
        Map<String, Integer> counts = wordCounts(text);
        List<Map.Entry<String, Integer>> tallies = new java.util.ArrayList<>(counts.entrySet());
        tallies.sort((a, b) -> b.getValue() - a.getValue());
        StringBuilder out = new StringBuilder("total=" + counts.values().stream().mapToInt(Integer::intValue).sum()
                + " unique=" + counts.size() + " top=");
        for (int i = 0; i < tallies.size() && i < 3; i++) {
            if (i > 0) out.append(',');
            out.append(tallies.get(i).getKey()).append(':').append(tallies.get(i).getValue());
        }
        return new String(out.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), UTF_8);
    }

    /** The line a wordstats guest prints to stdout for a message. */
    static String wordstatsLog(String text) {
        Map<String, Integer> counts = wordCounts(text);
        return "wordstats: " + counts.values().stream().mapToInt(Integer::intValue).sum() + " words, " + counts.size() + " distinct";
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

    /** The enrich specification; null when filtered, "!" + message when the guest fails the record. */
    static String enrich(String value, Map<String, String> properties, String env, String lang) {
        if ("true".equals(properties.get("drop"))) return null;
        String t = trim(value);
        if (t.length() < 2 || t.charAt(0) != '{' || t.charAt(t.length() - 1) != '}') return "!not a JSON object";
        String body = t.substring(0, t.length() - 1);
        return body + (trim(body.substring(1)).isEmpty() ? "" : ",") + "\"source\":\"" + properties.getOrDefault("source", "unknown")
                + "\",\"env\":\"" + env + "\",\"score\":" + score(t.getBytes(UTF_8).length) + ",\"lang\":\"" + lang + "\"}";
    }

    /** Record i: a key, properties (some drop), a JSON value (some malformed). */
    static Map<String, String> properties(int i) {
        Map<String, String> p = new LinkedHashMap<>();
        if (i % 3 != 0) p.put("source", "src" + (i % 4));
        if (i % 10 == 3) p.put("drop", "true");
        return p;
    }

    static String value(int i) {
        return i % 97 == 5 ? "oops " + i : "{\"id\":" + i + ",\"text\":\"" + "abc".repeat(i % 50) + "\"}";
    }

    /**
     * Sends {@code n} records to {@code prefix-in} and checks {@code prefix-out}, the side topic
     * (when {@code side} is set) and {@code prefix-dlq}, one by one. Returns how many records
     * were answered.
     */
    static int check(PulsarClient client, String prefix, String lang, int n, String side) throws Exception {
        return check(client, prefix, lang, n, side, true);
    }

    /** {@link #check}, where {@code sideGranted} false means the side topic must stay empty. */
    static int check(PulsarClient client, String prefix, String lang, int n, String side, boolean sideGranted)
            throws Exception {
        int expectedOut = 0, expectedDead = 0;
        String[] expected = new String[n];
        for (int i = 0; i < n; i++) {
            expected[i] = enrich(value(i), properties(i), "it", lang);
            if (expected[i] == null) continue;
            if (expected[i].startsWith("!")) expectedDead++;
            else expectedOut++;
        }
        try (Consumer<byte[]> out = Functions.subscribeBytes(client, topic(prefix + "-out"), "check");
             Consumer<byte[]> dead = Functions.subscribeBytes(client, topic(prefix + "-dlq"), "check");
             Consumer<byte[]> sides = side == null ? null : Functions.subscribeBytes(client, side, "check");
             // Unbatched: a failed record is redelivered alone, not with the batch it came in.
             Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic(prefix + "-in"))
                     .enableBatching(false).blockIfQueueFull(true).create()) {
            for (int i = 0; i < n; i++) {
                TypedMessageBuilder<byte[]> m = producer.newMessage().key("k" + i).value(value(i).getBytes(UTF_8));
                properties(i).forEach(m::property);
                m.sendAsync();
            }
            producer.flush();
            Duration wait = Duration.ofSeconds(60 + n / 500);
            List<Message<byte[]>> results = Functions.receive(out, expectedOut, wait);
            assertEquals(expectedOut, results.size(), lang + ": outputs that arrived");
            boolean[] seen = new boolean[n];
            for (Message<byte[]> m : results) {
                int i = Integer.parseInt(m.getKey().substring(1));
                assertTrue(!seen[i], lang + ": output for record " + i + " arrived twice");
                seen[i] = true;
                assertEquals(expected[i], new String(m.getValue(), UTF_8), lang + " record " + i);
                Map<String, String> props = new HashMap<>(properties(i));
                props.put("lang", lang);
                Map<String, String> got = new HashMap<>(m.getProperties());
                // Pulsar adds where the input came from.
                got.keySet().removeIf(k -> k.startsWith("__pfn_"));
                assertEquals(props, got, lang + " record " + i);
            }
            List<Message<byte[]>> deadLetters = Functions.receive(dead, expectedDead, wait);
            assertEquals(expectedDead, deadLetters.size(), lang + ": dead letters");
            for (Message<byte[]> m : deadLetters) {
                int i = Integer.parseInt(m.getKey().substring(1));
                assertEquals(value(i), new String(m.getValue(), UTF_8), lang + ": dead letter " + i);
                assertTrue(expected[i].startsWith("!"));
            }
            if (sides != null && !sideGranted) {
                assertNull(sides.receive(2, java.util.concurrent.TimeUnit.SECONDS), lang + ": nothing on an ungranted topic");
            } else if (sides != null) {
                List<Message<byte[]>> sideRecords = Functions.receive(sides, expectedOut, wait);
                assertEquals(expectedOut, sideRecords.size(), lang + ": side records");
                boolean[] sideSeen = new boolean[n];
                for (Message<byte[]> m : sideRecords) {
                    int i = Integer.parseInt(m.getKey().substring(1));
                    assertTrue(!sideSeen[i] && seen[i], lang + ": side record " + i + " duplicated or unexpected");
                    sideSeen[i] = true;
                    assertEquals(Long.toString(score(trim(value(i)).getBytes(UTF_8).length)), new String(m.getValue(), UTF_8));
                }
                assertNull(sides.receive(500, java.util.concurrent.TimeUnit.MILLISECONDS), lang + ": no extra side record");
            }
        }
        return expectedOut;
    }
}
