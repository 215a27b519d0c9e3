package io.github.pulsarwasm.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.common.functions.FunctionConfig;

/**
 * String -> String throughput in one embedded Pulsar (thread runtime): the same function,
 * ASCII to upper case over ~100-byte messages, written in Java (com.acme.pulsar.Upper) and in
 * C compiled to WebAssembly (examples/c/upper.c, run by WasmRecordFunction). Rounds alternate
 * between the two so that both see the same broker and machine; every output is checked.
 *
 * <p>Usage: Throughput &lt;function package jar&gt; [messages per round] [rounds]
 */
public final class Throughput {
    public static void main(String[] args) throws Exception {
        String jar = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path data = Files.createTempDirectory("pulsar-wasm-throughput-");
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().dataDir(data)
                .functionsRuntime(EmbeddedPulsar.FunctionsRuntime.THREAD).build().start()) {
            FunctionConfig java = Functions.recordConfig("upper-java", "unused", Functions.topic("tp-java-in"),
                    Functions.topic("tp-java-out"), Map.of());
            java.setClassName("com.acme.pulsar.Upper");
            java.setUserConfig(Map.of());
            FunctionConfig wasm = Functions.recordConfig("upper-wasm", "guests/upper.wasm", Functions.topic("tp-wasm-in"),
                    Functions.topic("tp-wasm-out"), Map.of());
            for (FunctionConfig c : List.of(java, wasm)) {
                pulsar.admin().functions().createFunction(c, jar);
                Functions.waitRunning(pulsar.admin(), c, Duration.ofSeconds(120));
            }
            System.out.printf("Pulsar %s on Java %s; %d messages of ~100 bytes per round, %d rounds each%n",
                    EmbeddedPulsar.pulsarVersion(), Runtime.version(), n, rounds);
            List<Double> javaRates = new ArrayList<>(), wasmRates = new ArrayList<>();
            run(pulsar, "java", n); // warm-up
            run(pulsar, "wasm", n);
            for (int r = 0; r < rounds; r++) {
                javaRates.add(run(pulsar, "java", n));
                wasmRates.add(run(pulsar, "wasm", n));
                System.out.printf("round %d: Java %.0f msg/s, WASM %.0f msg/s%n", r + 1, javaRates.get(r), wasmRates.get(r));
            }
            List<Double> ratios = new ArrayList<>();
            for (int r = 0; r < rounds; r++) ratios.add(wasmRates.get(r) / javaRates.get(r));
            System.out.printf("median: Java %.0f msg/s, WASM %.0f msg/s; WASM/Java per round: median %.2f, range %.2f to %.2f%n",
                    median(javaRates), median(wasmRates), median(ratios), ratios.stream().min(Double::compare).orElseThrow(),
                    ratios.stream().max(Double::compare).orElseThrow());
        }
        System.exit(0);
    }

    /** Sends n messages through one function, waits for all outputs, checks them; returns messages/s. */
    private static double run(EmbeddedPulsar pulsar, String which, int n) throws Exception {
        try (Consumer<byte[]> out = Functions.subscribeBytes(pulsar.client(), Functions.topic("tp-" + which + "-out"),
                "tp-" + System.nanoTime());
             Producer<byte[]> producer = pulsar.client().newProducer(Schema.BYTES).topic(Functions.topic("tp-" + which + "-in"))
                     .blockIfQueueFull(true).create()) {
            long started = System.nanoTime();
            for (int i = 0; i < n; i++) {
                producer.sendAsync(message(i).getBytes(StandardCharsets.UTF_8));
            }
            producer.flush();
            List<Message<byte[]>> results = Functions.receive(out, n, Duration.ofSeconds(300));
            double seconds = (System.nanoTime() - started) / 1e9;
            if (results.size() != n) {
                throw new IllegalStateException(which + ": " + results.size() + " of " + n + " outputs arrived");
            }
            for (Message<byte[]> m : results) {
                String text = new String(m.getValue(), StandardCharsets.UTF_8);
                if (!text.equals(text.toUpperCase(java.util.Locale.ROOT)) || !text.startsWith("MESSAGE ")) {
                    throw new IllegalStateException(which + ": wrong output " + text);
                }
            }
            return n / seconds;
        }
    }

    private static String message(int i) {
        return "message " + i + " of the throughput run, in lower case, about one hundred bytes long: abcdefghij";
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
    }
}
