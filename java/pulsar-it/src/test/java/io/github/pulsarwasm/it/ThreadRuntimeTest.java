package io.github.pulsarwasm.it;

import static io.github.pulsarwasm.it.Functions.config;
import static io.github.pulsarwasm.it.Functions.topic;
import static io.github.pulsarwasm.it.Functions.wasmConfig;
import static io.github.pulsarwasm.it.PulsarTestSupport.collatz;
import static io.github.pulsarwasm.it.PulsarTestSupport.functionJar;
import static io.github.pulsarwasm.it.PulsarTestSupport.roundTrip;
import static io.github.pulsarwasm.it.PulsarTestSupport.splitmix64;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.common.functions.FunctionConfig;
import org.apache.pulsar.common.policies.data.FunctionStatus;
import org.apache.pulsar.common.schema.SchemaType;
import org.apache.pulsar.functions.LocalRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** WASM functions in a real Pulsar standalone whose functions worker uses the thread runtime. */
class ThreadRuntimeTest {
    static EmbeddedPulsar pulsar;

    @BeforeAll
    static void start() throws Exception {
        pulsar = EmbeddedPulsar.builder().dataDir(PulsarTestSupport.workDir("thread"))
                .functionsRuntime(EmbeddedPulsar.FunctionsRuntime.THREAD).build().start();
    }

    @AfterAll
    static void stop() {
        if (pulsar != null) pulsar.close();
    }

    private static FunctionConfig deploy(FunctionConfig config, String jar) throws Exception {
        pulsar.admin().functions().createFunction(config, jar);
        Functions.waitRunning(pulsar.admin(), config, Duration.ofSeconds(120));
        return config;
    }

    private static void delete(FunctionConfig config) throws Exception {
        pulsar.admin().functions().deleteFunction(config.getTenant(), config.getNamespace(), config.getName());
    }

    @Test
    void readyMadeWasmFunctionCreatedThroughTheAdminApi() throws Exception {
        FunctionConfig c = deploy(wasmConfig("t-collatz", "guests/collatz.wasm", topic("t1-in"), topic("t1-out")), functionJar());
        roundTrip(pulsar.client(), c.getInputs().iterator().next(), c.getOutput(), 1, 1000, PulsarTestSupport::collatz);
        delete(c);
    }

    @Test
    void javaUtilFunctionSubclassRunsAsAPulsarFunction() throws Exception {
        FunctionConfig c = deploy(config("t-subclass", "com.acme.pulsar.Collatz", topic("t2-in"), topic("t2-out")), functionJar());
        roundTrip(pulsar.client(), topic("t2-in"), topic("t2-out"), 1, 1000, PulsarTestSupport::collatz);
        delete(c);
    }

    /** Each function gets its own class loader in the worker JVM: the native library loads in both. */
    @Test
    void twoWasmFunctionsInOneWorkerJvm() throws Exception {
        FunctionConfig a = deploy(wasmConfig("t-two-a", "guests/collatz.wasm", topic("t3a-in"), topic("t3a-out")), functionJar());
        FunctionConfig b = deploy(wasmConfig("t-two-b", "guests/hash.wasm", topic("t3b-in"), topic("t3b-out")), functionJar());
        CompletableFuture<Duration> first = CompletableFuture.supplyAsync(() -> unchecked(
                () -> roundTrip(pulsar.client(), topic("t3a-in"), topic("t3a-out"), 1, 2000, PulsarTestSupport::collatz)));
        roundTrip(pulsar.client(), topic("t3b-in"), topic("t3b-out"), -1000, 1000, PulsarTestSupport::splitmix64);
        first.get();
        delete(a);
        delete(b);
    }

    @Test
    void updatingWithANewPackageChangesTheResults() throws Exception {
        String in = topic("t4-in"), out = topic("t4-out");
        FunctionConfig c = deploy(wasmConfig("t-update", "guests/collatz.wasm", in, out), functionJar());
        roundTrip(pulsar.client(), in, out, 1, 200, PulsarTestSupport::collatz);

        // Version 2 of the package: the same class, its .wasm now the Rust hash.
        Path v2 = PulsarTestSupport.withEntries(functionJar(), PulsarTestSupport.workDir("package-v2").resolve("v2.jar"),
                Map.of("guests/collatz.wasm", PulsarTestSupport.entry(functionJar(), "guests/hash.wasm")));
        // Pulsar 4.0.8's update turns each topic named in `inputs` into a spec with no schema type
        // (FunctionConfigUtils.validateUpdate), which fails on INT64 topics: name them only in inputSpecs.
        FunctionConfig update = wasmConfig("t-update", "guests/collatz.wasm", in, out);
        update.setInputs(null);
        // With package management on (the standalone's default since PIP-117), Pulsar 4.0.8's update
        // ignores an uploaded file and re-reads the existing package (ComponentImpl.getPackageFile checks
        // the existing path first). The supported way: upload the new version, update to its URL.
        String v2Url = "function://public/default/t-update@v2";
        pulsar.admin().packages().upload(org.apache.pulsar.packages.management.core.common.PackageMetadata.builder()
                .description("t-update, version 2").build(), v2Url, v2.toString());
        pulsar.admin().functions().updateFunctionWithUrl(update, v2Url);
        // The update restarts the instance; wait until the new code answers.
        awaitAnswer(in, out, 7, splitmix64(7), c);
        roundTrip(pulsar.client(), in, out, 1000, 1999, PulsarTestSupport::splitmix64);
        FunctionStatus status = pulsar.admin().functions().getFunctionStatus("public", "default", "t-update");
        assertEquals(1, status.getNumRunning(), Functions.status(pulsar.admin(), c));
        delete(c);
    }

    /** The distinct pulsar-wasm library files (device:inode) mapped into this JVM, the worker's. */
    static java.util.Set<String> mappedLibraryCopies() throws java.io.IOException {
        java.util.Set<String> copies = new TreeSet<>();
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[5].contains("libpulsar_wasm")) copies.add(f[3] + ":" + f[4]);
        }
        return copies;
    }

    static long rssMiB() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
        return -1;
    }

    /** Sends probes until the function answers {@code x} with {@code expected}: the new code is running. */
    static void awaitAnswer(String in, String out, long x, long expected, FunctionConfig c) throws Exception {
        try (Consumer<Long> consumer = Functions.subscribe(pulsar.client(), out, "probe-" + System.nanoTime());
             Producer<Long> producer = pulsar.client().newProducer(Schema.INT64).topic(in).create()) {
            List<String> answers = new ArrayList<>();
            java.util.Set<String> sent = new java.util.HashSet<>();
            EmbeddedPulsar.await(Duration.ofSeconds(30), () -> {
                String key = "probe-" + System.nanoTime();
                sent.add(key);
                producer.newMessage().key(key).value(x).send();
                // Any probe of this wait answered with the new result will do: across an update a
                // probe can be answered twice (old and new code), so answers may lag the probes.
                for (Message<Long> m : Functions.receive(consumer, 1, Duration.ofSeconds(5))) {
                    answers.add(m.getKey() + "=" + m.getValue());
                    if (sent.contains(m.getKey()) && m.getValue() == expected) return true;
                }
                return false;
            }, () -> "the function to answer " + x + " with " + expected + " (answers " + answers + "): "
                    + Functions.status(pulsar.admin(), c));
        }
    }

    /**
     * A worker that sees many deploys and updates keeps one copy of the native library: every
     * function instance (a class loader of its own each time) shares it.
     */
    @Test
    void fiftyCreateUpdateDeleteCyclesKeepOneLibraryCopy() throws Exception {
        String in = topic("t10-in"), out = topic("t10-out");
        long rssBefore = 0;
        java.util.Set<String> copies = null;
        for (int cycle = 0; cycle < 51; cycle++) {
            // A name per cycle: Pulsar keeps a deleted function's package, so a name is not reusable.
            String name = "t-cycle-" + cycle;
            FunctionConfig c = deploy(wasmConfig(name, "guests/collatz.wasm", in, out), functionJar());
            awaitAnswer(in, out, 27, 111, c);
            FunctionConfig update = wasmConfig(name, "guests/hash.wasm", in, out);
            update.setInputs(null); // see updatingWithANewPackageChangesTheResults
            pulsar.admin().functions().updateFunction(update, null);
            awaitAnswer(in, out, 27, splitmix64(27), c);
            delete(c);
            if (cycle == 0) {
                // The first cycle loaded the library; count from there.
                copies = mappedLibraryCopies();
                rssBefore = rssMiB();
                assertEquals(1, copies.size(), "mapped: " + copies);
            }
        }
        assertEquals(copies, mappedLibraryCopies(), "50 create/update/delete cycles later, still the one library copy");
        System.out.printf("50 create/update/delete cycles: %d library copy mapped, RSS %d MiB -> %d MiB%n",
                copies.size(), rssBefore, rssMiB());
    }

    /**
     * A trapping message is retried, then goes to the dead-letter topic; every other message is
     * processed and the instance keeps running.
     */
    @Test
    void trapsAreRetriedThenDeadLetteredAndNothingIsLost() throws Exception {
        String in = topic("t5-in"), out = topic("t5-out"), dlq = topic("t5-dlq");
        FunctionConfig c = wasmConfig("t-trap", "guests/trap.wasm", in, out);
        c.setMaxMessageRetries(2);
        c.setDeadLetterTopic(dlq);
        c.setTimeoutMs(1000L); // the ack timeout, and the delay before a failed message is redelivered
        deploy(c, functionJar());
        List<Long> inputs = new ArrayList<>();
        for (long x = -10; x <= 100; x++) inputs.add(x);
        TreeSet<Long> trapping = new TreeSet<>(inputs.subList(0, 13)); // -10..2 trap (see examples/wat/trap.wat)
        try (Consumer<Long> results = Functions.subscribe(pulsar.client(), out, "check");
             Consumer<Long> deadLetters = Functions.subscribe(pulsar.client(), dlq, "check");
             // No batching: a failed message is redelivered alone, not with its whole batch.
             Producer<Long> producer = pulsar.client().newProducer(Schema.INT64).topic(in).enableBatching(false).create()) {
            for (long x : inputs) producer.newMessage().key(Long.toString(x)).value(x).send();
            List<Message<Long>> ok = Functions.receive(results, inputs.size() - trapping.size(), Duration.ofSeconds(60));
            List<Message<Long>> dead = Functions.receive(deadLetters, trapping.size(), Duration.ofSeconds(60));
            TreeSet<Long> processed = new TreeSet<>();
            for (Message<Long> m : ok) {
                long x = Long.parseLong(m.getKey());
                assertEquals(2 * x, m.getValue(), "result for " + x);
                processed.add(x);
            }
            TreeSet<Long> deadInputs = new TreeSet<>();
            for (Message<Long> m : dead) deadInputs.add(m.getValue());
            assertEquals(trapping, deadInputs, "every trapping message, and only those, in the dead-letter topic");
            assertEquals(inputs.size() - trapping.size(), processed.size(), "every other message processed once");
            assertTrue(processed.stream().noneMatch(trapping::contains));
        }
        FunctionStatus status = pulsar.admin().functions().getFunctionStatus("public", "default", "t-trap");
        assertEquals(1, status.getNumRunning(), Functions.status(pulsar.admin(), c));
        assertEquals(0, status.getInstances().get(0).getStatus().getNumRestarts(), "the instance never restarted");
        assertEquals(3L * trapping.size(), status.getInstances().get(0).getStatus().getNumUserExceptions(),
                "each trapping message tried 1 + 2 times: " + Functions.status(pulsar.admin(), c));
        delete(c);
    }

    /**
     * A guest in an endless loop and a guest that allocates without end run in the same worker
     * as a healthy function. The loop meets its deadline, the allocation its memory cap; their
     * messages go through the retries to the dead-letter topic, their other messages are
     * processed by the same instance threads, and every result of the healthy function arrives.
     */
    @Test
    void runawayAndGreedyGuestsAreStoppedBesideAHealthyFunction() throws Exception {
        FunctionConfig healthy = deploy(wasmConfig("t-healthy", "guests/collatz.wasm", topic("t9h-in"), topic("t9h-out")),
                functionJar());
        FunctionConfig loop = sandboxed("t-loop", "guests/loop.wasm", "t9l", Map.of("wasm.timeout.ms", "300"));
        FunctionConfig bomb = sandboxed("t-bomb", "guests/membomb.wasm", "t9b", Map.of("wasm.memory.maxPages", "256"));
        CompletableFuture<Duration> healthyResults = CompletableFuture.supplyAsync(() -> unchecked(
                () -> roundTrip(pulsar.client(), topic("t9h-in"), topic("t9h-out"), 1, 3000, PulsarTestSupport::collatz)));
        checkStoppedAndDeadLettered(loop, "t9l", "ran past its deadline of 300 ms");
        checkStoppedAndDeadLettered(bomb, "t9b", "memory at the cap of 256 pages");
        healthyResults.get();
        for (FunctionConfig c : List.of(healthy, loop, bomb)) {
            FunctionStatus status = pulsar.admin().functions().getFunctionStatus("public", "default", c.getName());
            assertEquals(0, status.getInstances().get(0).getStatus().getNumRestarts(), c.getName() + " never restarted");
            delete(c);
        }
    }

    /**
     * The enrich guest of every SDK language deployed as a WasmRecordFunction: JSON values with
     * keys and properties, a Java host function wired from user config, a config value, log
     * lines, a filter, output records, side records published to a granted topic (refused on
     * an ungranted one), and malformed values dead-lettered; C over 100,000 records, the
     * others over 2,000.
     */
    @Test
    void enrichGuestsInEveryLanguageRunAsRecordFunctions() throws Exception {
        for (String lang : List.of("c", "rust", "zig", "as")) {
            String language = lang.equals("as") ? "assemblyscript" : lang;
            String prefix = "t10" + lang;
            // The Zig guest names a side topic it was not granted: it must be refused there.
            boolean granted = !lang.equals("zig");
            String side = granted ? topic("side-" + lang) : topic("ungranted-side-" + lang);
            Map<String, Object> user = new java.util.HashMap<>(Map.of(
                    "env", "it",
                    "wasm.grant.publish", "persistent://public/default/side-*",
                    "wasm.hostFunctions", Map.of("score", "com.acme.pulsar.Score")));
            boolean big = lang.equals("c");
            if (!big) user.put("side_topic", side);
            FunctionConfig c = Functions.recordConfig("t-enrich-" + lang, "guests/enrich_" + lang + ".wasm",
                    topic(prefix + "-in"), topic(prefix + "-out"), user);
            c.setMaxMessageRetries(1);
            c.setDeadLetterTopic(topic(prefix + "-dlq"));
            c.setTimeoutMs(1000L);
            deploy(c, functionJar());
            RecordFunctionChecks.check(pulsar.client(), prefix, language, big ? 100_000 : 2_000, big ? null : side, granted);
            FunctionStatus status = pulsar.admin().functions().getFunctionStatus("public", "default", c.getName());
            assertEquals(0, status.getInstances().get(0).getStatus().getNumRestarts(), Functions.status(pulsar.admin(), c));
            delete(c);
        }
    }

    /**
     * A guest that publishes a side record, then traps on a record's first delivery: the
     * redelivered record succeeds, and each record's side record is published exactly once.
     */
    @Test
    void aTrapMidRecordLeavesNoDuplicateSideEffectsAfterRedelivery() throws Exception {
        FunctionConfig c = Functions.recordConfig("t-flaky", "guests/flaky.wasm", topic("t11-in"), topic("t11-out"),
                Map.of("wasm.grant.publish", "flaky-side"));
        c.setMaxMessageRetries(3);
        c.setDeadLetterTopic(topic("t11-dlq"));
        c.setTimeoutMs(1000L);
        deploy(c, functionJar());
        int n = 50;
        try (Consumer<byte[]> out = Functions.subscribeBytes(pulsar.client(), topic("t11-out"), "check");
             Consumer<byte[]> side = Functions.subscribeBytes(pulsar.client(), topic("flaky-side"), "check");
             Producer<byte[]> producer = pulsar.client().newProducer(Schema.BYTES).topic(topic("t11-in"))
                     .enableBatching(false).create()) {
            for (int i = 0; i < n; i++) producer.newMessage().value(("v" + i).getBytes()).sendAsync();
            producer.flush();
            List<Message<byte[]>> results = Functions.receive(out, n, Duration.ofSeconds(120));
            List<Message<byte[]>> sides = Functions.receive(side, n, Duration.ofSeconds(30));
            TreeSet<String> values = new TreeSet<>();
            results.forEach(m -> values.add(new String(m.getValue())));
            TreeSet<String> sideValues = new TreeSet<>();
            sides.forEach(m -> sideValues.add(new String(m.getValue())));
            assertEquals(n, values.size(), "every record answered once");
            assertEquals(values, sideValues, "one side record per record");
            assertEquals(n, sides.size(), "no side record of a trapped delivery");
            assertEquals(null, side.receive(1, java.util.concurrent.TimeUnit.SECONDS), "no extra side record");
        }
        var instance = pulsar.admin().functions().getFunctionStatus("public", "default", c.getName()).getInstances().get(0).getStatus();
        assertEquals(n, instance.getNumUserExceptions(), "each record trapped once: " + Functions.status(pulsar.admin(), c));
        delete(c);
    }

    private static FunctionConfig sandboxed(String name, String resource, String prefix, Map<String, Object> limits)
            throws Exception {
        FunctionConfig c = wasmConfig(name, resource, topic(prefix + "-in"), topic(prefix + "-out"));
        Map<String, Object> userConfig = new java.util.HashMap<>(c.getUserConfig());
        userConfig.putAll(limits);
        c.setUserConfig(userConfig);
        c.setMaxMessageRetries(1);
        c.setDeadLetterTopic(topic(prefix + "-dlq"));
        c.setTimeoutMs(1000L);
        return deploy(c, functionJar());
    }

    /** Sends 0 (the bad input) between good ones: each 0 is dead-lettered, every other x answered with x. */
    private static void checkStoppedAndDeadLettered(FunctionConfig c, String prefix, String reason) throws Exception {
        List<Long> inputs = List.of(5L, 0L, 6L, 7L, 0L, 8L, 9L, 10L, 0L, 11L);
        long bad = inputs.stream().filter(x -> x == 0).count();
        try (Consumer<Long> results = Functions.subscribe(pulsar.client(), topic(prefix + "-out"), "check");
             Consumer<Long> deadLetters = Functions.subscribe(pulsar.client(), topic(prefix + "-dlq"), "check");
             Producer<Long> producer = pulsar.client().newProducer(Schema.INT64).topic(topic(prefix + "-in"))
                     .enableBatching(false).create()) {
            for (long x : inputs) producer.newMessage().key(Long.toString(x)).value(x).send();
            List<Message<Long>> ok = Functions.receive(results, (int) (inputs.size() - bad), Duration.ofSeconds(60));
            List<Message<Long>> dead = Functions.receive(deadLetters, (int) bad, Duration.ofSeconds(60));
            TreeSet<Long> answered = new TreeSet<>();
            for (Message<Long> m : ok) {
                assertEquals(Long.parseLong(m.getKey()), m.getValue());
                answered.add(m.getValue());
            }
            assertEquals(new TreeSet<>(List.of(5L, 6L, 7L, 8L, 9L, 10L, 11L)), answered, c.getName() + " answered the rest");
            assertTrue(dead.stream().allMatch(m -> m.getValue() == 0L), c.getName() + " dead-lettered only the bad input");
        }
        FunctionStatus status = pulsar.admin().functions().getFunctionStatus("public", "default", c.getName());
        var instance = status.getInstances().get(0).getStatus();
        assertEquals(2 * bad, instance.getNumUserExceptions(), "each bad message tried twice: " + Functions.status(pulsar.admin(), c));
        assertTrue(instance.getLatestUserExceptions().stream().allMatch(e -> e.getExceptionString().contains(reason)),
                "the exceptions name the limit: " + Functions.status(pulsar.admin(), c));
    }

    /**
     * What Pulsar 4.0 does with a {@code Function<Long, Long>}: without schema configuration it
     * registers JSON on its topics (so an INT64 producer is refused); with Int64Schema configured,
     * as every other test here does, the topics carry INT64.
     */
    @Test
    void schemaDefaultIsJsonAndInt64SchemaServesInt64Producers() throws Exception {
        FunctionConfig plain = wasmConfig("t-json", "guests/collatz.wasm", topic("t6j-in"), topic("t6j-out"));
        plain.setInputSpecs(null);
        plain.setOutputSchemaType(null);
        deploy(plain, functionJar());
        assertEquals(SchemaType.JSON, pulsar.admin().schemas().getSchemaInfo(topic("t6j-in")).getType());
        try (Consumer<Long> consumer = pulsar.client().newConsumer(Schema.JSON(Long.class)).topic(topic("t6j-out"))
                .subscriptionName("check").subscriptionInitialPosition(org.apache.pulsar.client.api.SubscriptionInitialPosition.Earliest)
                .subscribe();
             Producer<Long> producer = pulsar.client().newProducer(Schema.JSON(Long.class)).topic(topic("t6j-in")).create()) {
            producer.send(27L);
            assertEquals(111L, consumer.receive(60, java.util.concurrent.TimeUnit.SECONDS).getValue());
        }
        delete(plain);

        FunctionConfig int64 = deploy(wasmConfig("t-int64", "guests/collatz.wasm", topic("t6i-in"), topic("t6i-out")), functionJar());
        roundTrip(pulsar.client(), topic("t6i-in"), topic("t6i-out"), 1, 100, PulsarTestSupport::collatz);
        assertEquals(SchemaType.INT64, pulsar.admin().schemas().getSchemaInfo(topic("t6i-in")).getType());
        assertEquals(SchemaType.INT64, pulsar.admin().schemas().getSchemaInfo(topic("t6i-out")).getType());
        delete(int64);
    }

    @Test
    void hundredThousandMessagesAllChecked() throws Exception {
        FunctionConfig c = deploy(wasmConfig("t-100k", "guests/hash.wasm", topic("t7-in"), topic("t7-out")), functionJar());
        Duration took = roundTrip(pulsar.client(), topic("t7-in"), topic("t7-out"), 1, 100_000, PulsarTestSupport::splitmix64);
        System.out.printf("100000 messages through the WASM function in %s (%.0f/s)%n", took, 100_000 / (took.toMillis() / 1000.0));
        delete(c);
    }

    /** The literal `pulsar-admin functions create --jar ...` command, run in-process. */
    @Test
    void pulsarAdminCommandLineFunctionsCreate() throws Exception {
        String in = topic("t8-in"), out = topic("t8-out");
        String[] create = {"--admin-url", pulsar.getWebServiceUrl(), "functions", "create",
                "--tenant", "public", "--namespace", "default", "--name", "t-cli",
                "--jar", functionJar(), "--classname", Functions.WASM_FUNCTION,
                "--inputs", in, "--output", out,
                "--user-config", "{\"wasm.resource\": \"guests/isqrt.wasm\"}",
                "--input-specs", "{\"" + in + "\": {\"schemaType\": \"" + Functions.INT64_SCHEMA + "\"}}",
                "--schema-type", Functions.INT64_SCHEMA};
        PulsarAdminCommand cli = new PulsarAdminCommand();
        assertTrue(cli.exec(create), "pulsar-admin functions create failed");
        FunctionConfig c = config("t-cli", Functions.WASM_FUNCTION, in, out);
        Functions.waitRunning(pulsar.admin(), c, Duration.ofSeconds(120));
        roundTrip(pulsar.client(), in, out, -100, 5000, x -> x < 0 ? -1 : (long) Math.floor(Math.sqrt((double) x)));
        assertTrue(cli.exec(new String[] {"--admin-url", pulsar.getWebServiceUrl(), "functions", "delete",
                "--tenant", "public", "--namespace", "default", "--name", "t-cli"}));
    }

    /**
     * Go and C++ guests written with their languages' standard libraries (examples/wasi),
     * deployed with the literal `pulsar-admin functions create --jar` command and a log topic:
     * every output is checked against the reference, and every line the guest printed to
     * stdout arrives on the function's log topic.
     */
    @Test
    void goAndCppWasiFunctionsFromTheCommandLineAnswerAndLogToTheLogTopic() throws Exception {
        int n = 400;
        for (String lang : List.of("go", "cpp")) {
            String in = topic("t12-" + lang + "-in"), out = topic("t12-" + lang + "-out"), logs = topic("t12-" + lang + "-logs");
            String name = "t-wasi-" + lang;
            try (Consumer<byte[]> outputs = Functions.subscribeBytes(pulsar.client(), out, "check");
                    Consumer<byte[]> logLines = pulsar.client().newConsumer(Schema.BYTES).topic(logs).subscriptionName("check")
                            .subscriptionInitialPosition(org.apache.pulsar.client.api.SubscriptionInitialPosition.Earliest).subscribe();
                    Producer<byte[]> producer = pulsar.client().newProducer(Schema.BYTES).topic(in).enableBatching(false).create()) {
                String[] create = {"--admin-url", pulsar.getWebServiceUrl(), "functions", "create",
                        "--tenant", "public", "--namespace", "default", "--name", name,
                        "--jar", functionJar(), "--classname", "io.github.pulsarwasm.pulsar.WasmRecordFunction",
                        "--inputs", in, "--output", out, "--log-topic", logs,
                        "--user-config", "{\"wasm.resource\": \"guests/wordstats_" + lang + ".wasm\"}"};
                functionLogsAtInfo(name);
                PulsarAdminCommand cli = new PulsarAdminCommand();
                assertTrue(cli.exec(create), "pulsar-admin functions create failed");
                FunctionConfig c = Functions.recordConfig(name, "guests/wordstats_" + lang + ".wasm", in, out, Map.of());
                Functions.waitRunning(pulsar.admin(), c, Duration.ofSeconds(120));
                List<String> expected = new ArrayList<>();
                List<String> expectedLogs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String text = RecordFunctionChecks.words(i);
                    producer.send(text.getBytes(UTF_8));
                    expected.add(RecordFunctionChecks.wordstats(text));
                    expectedLogs.add(RecordFunctionChecks.wordstatsLog(text));
                }
                List<String> got = Functions.receive(outputs, n, Duration.ofSeconds(120)).stream()
                        .map(m -> new String(m.getValue(), UTF_8)).toList();
                assertEquals(expected, got, lang);
                // The log topic carries the function's other log lines too (its start-up line).
                List<String> printed = new ArrayList<>();
                List<String> startup = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (printed.size() < n && System.nanoTime() < deadline) {
                    Message<byte[]> m = logLines.receive(200, TimeUnit.MILLISECONDS);
                    if (m == null) continue;
                    logLines.acknowledge(m);
                    String line = new String(m.getValue(), UTF_8);
                    if (line.startsWith("wordstats: ")) printed.add(line);
                    if (line.contains("loaded WASM resource")) startup.add(line);
                }
                // The package carries the module's precompiled artifact (examples/pulsar-function/pom.xml).
                assertEquals(1, startup.size(), lang + ": one start-up line");
                assertTrue(startup.get(0).contains("loaded from its precompiled artifact"), startup.get(0));
                assertEquals(expectedLogs.size(), printed.size(), lang + ": lines of the guest's stdout on the log topic");
                assertEquals(expectedLogs, printed, lang + ": the guest's stdout on the log topic");
                assertTrue(cli.exec(new String[] {"--admin-url", pulsar.getWebServiceUrl(), "functions", "delete",
                        "--tenant", "public", "--namespace", "default", "--name", name}));
            }
        }
    }

    /**
     * Lets the function's logger (Pulsar names it function-NAME) pass INFO lines, to the log
     * topic only: the worker's own log4j configuration keeps the console at WARN.
     */
    static void functionLogsAtInfo(String name) {
        var context = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
        var logger = new org.apache.logging.log4j.core.config.LoggerConfig("function-" + name,
                org.apache.logging.log4j.Level.INFO, false);
        context.getConfiguration().addLogger(logger.getName(), logger);
        context.updateLoggers();
    }

    /** LocalRunner: the function runs in this JVM, against the embedded broker. */
    @Test
    void localRunnerAgainstTheEmbeddedBroker() throws Exception {
        FunctionConfig c = wasmConfig("t-local", "guests/fib.wasm", topic("t9-in"), topic("t9-out"));
        c.setJar(functionJar());
        LocalRunner runner = LocalRunner.builder().functionConfig(c).brokerServiceUrl(pulsar.getBrokerServiceUrl())
                .runtimeEnv(LocalRunner.RuntimeEnv.THREAD).build();
        try {
            runner.start(false);
            EmbeddedPulsar.await(Duration.ofSeconds(120),
                    () -> pulsar.admin().topics().getSubscriptions(topic("t9-in")).contains("public/default/t-local"),
                    () -> "LocalRunner's input subscription");
            roundTrip(pulsar.client(), topic("t9-in"), topic("t9-out"), 0, 2000, ThreadRuntimeTest::fib);
        } finally {
            runner.close();
        }
    }

    static long fib(long x) {
        long n = Long.remainderUnsigned(x, 1000), a = 0, b = 1;
        for (long i = 0; i < n; i++) {
            long t = a + b;
            a = b;
            b = t;
        }
        return a;
    }

    /** The real command line; {@code main()} would exit the JVM, {@code run} returns. */
    static final class PulsarAdminCommand extends org.apache.pulsar.admin.cli.PulsarAdminTool {
        PulsarAdminCommand() throws Exception {
            super(new Properties());
        }

        boolean exec(String[] args) {
            return run(args);
        }
    }

    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    static <T> T unchecked(ThrowingSupplier<T> supplier) {
        try {
            return supplier.get();
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
