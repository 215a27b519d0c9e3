package io.github.pulsarwasm.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.common.functions.FunctionConfig;

/**
 * The main job: starts an embedded Pulsar standalone with its functions worker, deploys a WASM
 * function package through the admin API (what {@code pulsar-admin functions create --jar} does),
 * streams numbers through it and prints input → output beside the expected value.
 *
 * <p>Usage: {@code Demo <function package jar> [messages]}
 */
public final class Demo {
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !Files.isRegularFile(Path.of(args[0]))) {
            System.err.println("usage: Demo <function package jar> [messages]  (build it with scripts/build.sh)");
            System.exit(2);
        }
        String jar = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Path data = Files.createTempDirectory("pulsar-wasm-demo-");
        boolean ok;
        System.out.printf("Starting Apache Pulsar %s standalone + functions worker (thread runtime) on Java %s, data in %s%n",
                EmbeddedPulsar.pulsarVersion(), Runtime.version(), data);
        try (EmbeddedPulsar pulsar = EmbeddedPulsar.builder().dataDir(data)
                .functionsRuntime(EmbeddedPulsar.FunctionsRuntime.THREAD).build().start()) {
            System.out.printf("Pulsar is up in %.1f s: %s, admin %s%n", pulsar.startupTime().toMillis() / 1000.0,
                    pulsar.getBrokerServiceUrl(), pulsar.getWebServiceUrl());
            ok = run(pulsar, jar, n);
            System.out.println("Shutting down Pulsar...");
        }
        System.out.println(ok ? "RESULT: all " + n + " results arrived and were right"
                : "RESULT: FAILED, see the lines marked WRONG above");
        System.exit(ok ? 0 : 1);
    }

    private static boolean run(EmbeddedPulsar pulsar, String jar, int n) throws Exception {
        String in = Functions.topic("numbers"), out = Functions.topic("collatz-steps");
        FunctionConfig config = Functions.wasmConfig("collatz", "guests/collatz.wasm", in, out);
        System.out.println("Deploying, as: pulsar-admin functions create --jar " + jar
                + " --classname " + config.getClassName() + " --inputs " + in + " --output " + out
                + " --user-config '{\"wasm.resource\":\"guests/collatz.wasm\"}'"
                + " --input-specs '{\"" + in + "\":{\"schemaType\":\"" + Functions.INT64_SCHEMA + "\"}}'"
                + " --schema-type " + Functions.INT64_SCHEMA);
        pulsar.admin().functions().createFunction(config, jar);
        Functions.waitRunning(pulsar.admin(), config, Duration.ofSeconds(120));
        System.out.println("Function running. Guest: examples/c/collatz.c (Collatz steps), compiled to WebAssembly.");

        int wrong = 0;
        try (Consumer<Long> consumer = Functions.subscribe(pulsar.client(), out, "demo");
             Producer<Long> producer = pulsar.client().newProducer(Schema.INT64).topic(in).create()) {
            long started = System.nanoTime();
            for (long x = 1; x <= n; x++) {
                producer.newMessage().key(Long.toString(x)).value(x).sendAsync();
            }
            producer.flush();
            List<Message<Long>> results = Functions.receive(consumer, n, Duration.ofSeconds(120));
            double seconds = (System.nanoTime() - started) / 1e9;

            System.out.printf("%12s  →  %8s   (%s)%n", "input", "output", "Java reference");
            int step = Math.max(1, n / 20);
            for (int i = 0; i < results.size(); i++) {
                Message<Long> m = results.get(i);
                long input = m.hasKey() ? Long.parseLong(m.getKey()) : i + 1;
                long expected = collatz(input);
                boolean right = m.getValue() == expected;
                if (!right) wrong++;
                if (!right || i < 10 || (i + 1) % step == 0) {
                    System.out.printf("%12d  →  %8d   (%d)%s%n", input, m.getValue(), expected, right ? "" : "  WRONG");
                }
            }
            System.out.printf("%d of %d results arrived in %.2f s: %.0f messages/s through the WASM function%n",
                    results.size(), n, seconds, results.size() / seconds);
            System.out.println("Function status: " + Functions.status(pulsar.admin(), config));
            if (results.size() != n) {
                System.out.println("MISSING: " + (n - results.size()) + " results did not arrive");
                return false;
            }
        }
        pulsar.admin().functions().deleteFunction(config.getTenant(), config.getNamespace(), config.getName());
        return wrong == 0;
    }

    /** The same computation as examples/c/collatz.c. */
    static long collatz(long x) {
        if (x <= 0) return 0;
        long v = x, steps = 0;
        while (v != 1 && steps < 10000) {
            v = (v & 1) != 0 ? 3 * v + 1 : v >>> 1;
            steps++;
        }
        return steps;
    }
}
