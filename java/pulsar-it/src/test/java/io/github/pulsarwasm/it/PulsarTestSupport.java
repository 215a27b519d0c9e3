package io.github.pulsarwasm.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;

/** The function package, reference functions, and a checked round trip. */
final class PulsarTestSupport {
    private PulsarTestSupport() {}

    static String functionJar() {
        return existing("pulsarwasm.functionJar", "the example function package (examples/pulsar-function)");
    }

    static String javaInstanceJar() {
        return existing("pulsarwasm.javaInstanceJar", "the java-instance jar (pulsar-functions-runtime-all)");
    }

    static String existing(String property, String what) {
        String path = System.getProperty(property);
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new IllegalStateException(what + " is missing: -D" + property + "=" + path + " (run through mvn)");
        }
        return path;
    }

    static Path workDir(String name) throws IOException {
        Path base = Path.of(System.getProperty("pulsarwasm.workDir", "target/pulsar-work"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name + "-");
    }

    /** A copy of {@code jar} with the named entries replaced (a "new version" of a package). */
    static Path withEntries(String jar, Path target, Map<String, byte[]> replacements) throws IOException {
        try (ZipFile zip = new ZipFile(jar); OutputStream os = Files.newOutputStream(target);
             ZipOutputStream out = new ZipOutputStream(os)) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                byte[] replacement = replacements.get(entry.getName());
                if (replacement != null) {
                    out.write(replacement);
                } else {
                    try (InputStream in = zip.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
        return target;
    }

    static byte[] entry(String jar, String name) throws IOException {
        try (ZipFile zip = new ZipFile(jar)) {
            try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
                return in.readAllBytes();
            }
        }
    }

    /**
     * Sends {@code from..to} (keyed by value) to {@code in} and checks that each result on
     * {@code out} is {@code reference(input)}, every input exactly once. Returns the elapsed time.
     */
    static Duration roundTrip(PulsarClient client, String in, String out, long from, long to, LongUnaryOperator reference)
            throws Exception {
        int n = Math.toIntExact(to - from + 1);
        try (Consumer<Long> consumer = Functions.subscribe(client, out, "check-" + System.nanoTime());
             Producer<Long> producer = client.newProducer(Schema.INT64).topic(in).create()) {
            long started = System.nanoTime();
            for (long x = from; x <= to; x++) {
                producer.newMessage().key(Long.toString(x)).value(x).sendAsync();
            }
            producer.flush();
            var results = Functions.receive(consumer, n, Duration.ofSeconds(120));
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertEquals(n, results.size(), "results that arrived on " + out);
            boolean[] seen = new boolean[n];
            int wrong = 0;
            for (Message<Long> m : results) {
                long input = Long.parseLong(m.getKey());
                int index = Math.toIntExact(input - from);
                assertEquals(false, seen[index], "result for " + input + " arrived twice");
                seen[index] = true;
                if (m.getValue() != reference.applyAsLong(input)) wrong++;
            }
            assertEquals(0, wrong, "wrong results out of " + n);
            return took;
        }
    }

    static long collatz(long x) {
        return Demo.collatz(x);
    }

    static long splitmix64(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
