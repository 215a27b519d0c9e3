package io.github.pulsarwasm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The WASI guests of examples/wasi, built from source by examples/build.sh: "wordstats"
 * written with each language's ordinary standard library (C with wasi-libc, C++ with libc++,
 * Go, Rust with std) against a Java reference on many inputs, and a C probe of the sandbox
 * (stdout/stderr into the logger, files and sockets refused with their error codes, the
 * environment as configured, proc_exit).
 */
class WasiGuestsTest {
    /** Collects log lines as "level text". */
    static final class Logs implements WasmContext {
        final List<String> lines = new ArrayList<>();

        @Override
        public void log(int level, String message) {
            lines.add(level + " " + message);
        }
    }

    /** The reference: total words, distinct words, the three most frequent (ties by word). */
    static String wordstats(byte[] value) {
        Map<String, Integer> counts = new HashMap<>();
        int total = 0;
        StringBuilder word = new StringBuilder();
        // Bytes as ISO-8859-1 chars keep the guests' bytewise order and lowercasing of ASCII only.
        String text = new String(value, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (c == ' ' || (c >= '\t' && c <= '\r')) {
                if (word.length() > 0) {
                    counts.merge(word.toString(), 1, Integer::sum);
                    total++;
                    word.setLength(0);
                }
            } else {
                word.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
            }
        }
        List<Map.Entry<String, Integer>> tallies = new ArrayList<>(new TreeMap<>(counts).entrySet());
        tallies.sort((a, b) -> b.getValue() - a.getValue());
        StringBuilder out = new StringBuilder("total=" + total + " unique=" + counts.size() + " top=");
        for (int i = 0; i < tallies.size() && i < 3; i++) {
            if (i > 0) out.append(',');
            out.append(tallies.get(i).getKey()).append(':').append(tallies.get(i).getValue());
        }
        return out.toString();
    }

    static byte[] input(Random random, int i) {
        String[] vocabulary = {"the", "The", "THE", "pulsar", "wasm", "Go", "C++", "ünïcode", "a", "b", "c", "z9"};
        String[] spaces = {" ", "  ", "\t", "\n", "\r\n", "\u000b", "\f"};
        StringBuilder s = new StringBuilder();
        int words = switch (i % 10) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 5000 + random.nextInt(5000);
            default -> random.nextInt(60);
        };
        if (i % 7 == 0) s.append(spaces[random.nextInt(spaces.length)]);
        for (int w = 0; w < words; w++) {
            if (w > 0) s.append(spaces[random.nextInt(spaces.length)]);
            s.append(vocabulary[random.nextInt(vocabulary.length)]);
        }
        if (i % 5 == 0) s.append(spaces[random.nextInt(spaces.length)]);
        return s.toString().getBytes(UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"wordstats_c.wasm", "wordstats_cpp.wasm", "wordstats_go.wasm", "wordstats_rust.wasm"})
    void everyLanguageMatchesTheReferenceAndLogsThroughStdout(String file) {
        Random random = new Random(11);
        try (WasmProcessor p = WasmProcessor.builder().resource(getClass().getClassLoader(), "examples/" + file).build()) {
            // info() names what the module asks of the host: here WASI, with fd_write for its output.
            assertTrue(p.info().imports().stream().anyMatch(i -> i.startsWith("wasi_snapshot_preview1.fd_write: func")),
                    p.info().imports().toString());
            assertTrue(p.info().toString().contains("wasi_snapshot_preview1.fd_write"), p.info().toString());
            for (int i = 0; i < 1000; i++) {
                byte[] value = input(random, i);
                Logs logs = new Logs();
                String expected = wordstats(value);
                WasmOutputRecord out = p.process(WasmRecord.of(value), logs);
                assertEquals(expected, new String(out.value(), java.nio.charset.StandardCharsets.ISO_8859_1),
                        file + " on input " + i);
                String counts = expected.substring("total=".length(), expected.indexOf(" top="));
                String words = counts.substring(0, counts.indexOf(' '));
                String distinct = counts.substring(counts.indexOf('=') + 1);
                assertEquals(List.of("2 wordstats: " + words + " words, " + distinct + " distinct"), logs.lines,
                        file + " on input " + i);
            }
        }
    }

    private static WasmProcessor probe(Map<String, String> env) {
        return WasmProcessor.builder().resource(WasiGuestsTest.class.getClassLoader(), "examples/wasi_probe.wasm")
                .wasiEnv(env).build();
    }

    private static String run(WasmProcessor p, String command, Logs logs) {
        return new String(p.process(WasmRecord.of(command), logs).value(), UTF_8);
    }

    @Test
    void stdoutAndStderrBecomeLogLinesOfTheRecord() {
        try (WasmProcessor p = probe(Map.of())) {
            for (int i = 0; i < 50; i++) {
                Logs logs = new Logs();
                assertEquals("printed", run(p, "print:line " + i, logs));
                // In the order written: stdout is a character device, so libc writes it line by line.
                assertEquals(List.of("2 line " + i, "3 to stderr"), logs.lines);
            }
        }
    }

    @Test
    void filesAndSocketsAreRefusedWithTheirErrorCodes() {
        try (WasmProcessor p = probe(Map.of())) {
            Logs logs = new Logs();
            // No preopened directory: libc finds no directory to resolve any path against.
            for (String path : List.of("/etc/passwd", "data.txt", "../x", "/")) {
                assertEquals("errno=" + WASI_ENOTCAPABLE, run(p, "open:" + path, logs), path);
            }
            assertEquals("errno=" + WASI_ENOTSOCK, run(p, "socket", logs));
            assertEquals(List.of(), logs.lines);
        }
    }

    /** wasi-libc's errno values are WASI's. */
    static final int WASI_ENOTCAPABLE = 76;
    static final int WASI_ENOTSOCK = 57;

    @Test
    void theEnvironmentIsWhatWasConfiguredNeverTheWorkers() {
        try (WasmProcessor p = probe(Map.of("REGION", "eu-west", "EMPTY", ""))) {
            Logs logs = new Logs();
            assertEquals("eu-west", run(p, "env:REGION", logs));
            assertEquals("", run(p, "env:EMPTY", logs));
            assertTrue(System.getenv("PATH") != null);
            assertEquals("(unset)", run(p, "env:PATH", logs));
            assertEquals("(unset)", run(p, "env:HOME", logs));
        }
        assertThrows(IllegalArgumentException.class, () -> WasmProcessor.builder().wasiEnv(Map.of("A=B", "c")));
    }

    @Test
    void clocksAndRandomComeFromTheHost() {
        try (WasmProcessor p = probe(Map.of())) {
            Logs logs = new Logs();
            assertEquals("time-ok", run(p, "time", logs));
            String first = run(p, "random", logs);
            String second = run(p, "random", logs);
            assertTrue(first.matches("[0-9a-f]{32}"), first);
            assertNotEquals(first, second);
        }
    }

    @Test
    void procExitEndsTheCallWithItsCodeAndTheNextCallGetsAFreshInstance() {
        try (WasmProcessor p = probe(Map.of())) {
            Logs logs = new Logs();
            for (int code : new int[] {3, 0, 255}) {
                WasmExitException e = assertThrows(WasmExitException.class, () -> p.process(WasmRecord.of("exit:" + code), logs));
                assertEquals(code, e.exitCode());
                assertTrue(e.getMessage().contains("exited with code " + code), e.getMessage());
                assertEquals("printed", run(p, "print:after exit", logs));
            }
        }
    }
}
