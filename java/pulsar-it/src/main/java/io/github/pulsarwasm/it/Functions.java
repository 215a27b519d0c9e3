package io.github.pulsarwasm.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.common.functions.ConsumerConfig;
import org.apache.pulsar.common.functions.FunctionConfig;
import org.apache.pulsar.common.policies.data.FunctionStatus;

/** Function configs and message helpers shared by the demo and the tests. */
public final class Functions {
    // Classes of the function package (pulsar-wasm is shaded into it), named, not referenced: they
    // must reach the worker only through the package, never through this class path.
    public static final String INT64_SCHEMA = "io.github.pulsarwasm.pulsar.Int64Schema";
    public static final String WASM_FUNCTION = "io.github.pulsarwasm.pulsar.WasmPulsarFunction";

    private Functions() {}

    public static String topic(String name) {
        return "persistent://public/default/" + name;
    }

    /**
     * What {@code pulsar-admin functions create --jar ... --classname ... --inputs ... --output ...}
     * builds, with INT64 on both topics.
     */
    public static FunctionConfig config(String name, String className, String in, String out) {
        FunctionConfig c = new FunctionConfig();
        c.setTenant("public");
        c.setNamespace("default");
        c.setName(name);
        c.setClassName(className);
        c.setRuntime(FunctionConfig.Runtime.JAVA);
        c.setInputs(List.of(in));
        c.setOutput(out);
        c.setParallelism(1);
        c.setInputSpecs(Map.of(in, ConsumerConfig.builder().schemaType(INT64_SCHEMA).build()));
        c.setOutputSchemaType(INT64_SCHEMA);
        return c;
    }

    /** {@link #config} for the ready-made {@code WasmPulsarFunction} running a .wasm of the package. */
    public static FunctionConfig wasmConfig(String name, String resource, String in, String out) {
        FunctionConfig c = config(name, WASM_FUNCTION, in, out);
        c.setUserConfig(Map.of("wasm.resource", resource));
        return c;
    }

    /** Waits until every instance runs and the input subscription exists (the default position is Latest). */
    public static void waitRunning(PulsarAdmin admin, FunctionConfig c, Duration timeout) throws Exception {
        EmbeddedPulsar.await(timeout, () -> {
            FunctionStatus s = admin.functions().getFunctionStatus(c.getTenant(), c.getNamespace(), c.getName());
            return s.getNumRunning() == c.getParallelism()
                    && s.getInstances().stream().allMatch(i -> i.getStatus().isRunning());
        }, () -> "function " + c.getName() + " running: " + status(admin, c));
        String sub = c.getSubName() != null ? c.getSubName() : c.getTenant() + "/" + c.getNamespace() + "/" + c.getName();
        for (String in : c.getInputs()) {
            EmbeddedPulsar.await(timeout, () -> admin.topics().getSubscriptions(in).contains(sub),
                    () -> "subscription " + sub + " on " + in);
        }
    }

    /** One line per instance: running, restarts, counts and the latest errors. */
    public static String status(PulsarAdmin admin, FunctionConfig c) {
        try {
            FunctionStatus s = admin.functions().getFunctionStatus(c.getTenant(), c.getNamespace(), c.getName());
            return s.getInstances().stream().map(i -> "running=" + i.getStatus().isRunning()
                    + " error=" + i.getStatus().getError()
                    + " restarts=" + i.getStatus().getNumRestarts()
                    + " received=" + i.getStatus().getNumReceived()
                    + " processed=" + i.getStatus().getNumSuccessfullyProcessed()
                    + " userExceptions=" + i.getStatus().getNumUserExceptions()
                    + " systemExceptions=" + i.getStatus().getNumSystemExceptions()
                    + " latestSystemExceptions=" + i.getStatus().getLatestSystemExceptions().stream()
                            .map(e -> e.getExceptionString()).collect(Collectors.toList()))
                    .collect(Collectors.joining("; "));
        } catch (Exception e) {
            return "status unavailable: " + e;
        }
    }

    /** A new BYTES subscription that sees what is published from now on (subscribe before producing). */
    public static Consumer<byte[]> subscribeBytes(PulsarClient client, String topic, String subscription) throws Exception {
        return client.newConsumer(Schema.BYTES).topic(topic).subscriptionName(subscription)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Latest).subscribe();
    }

    /** {@link #config} for {@code WasmRecordFunction} (bytes in, records out; no schema on the topics). */
    public static FunctionConfig recordConfig(String name, String resource, String in, String out, Map<String, Object> userConfig) {
        FunctionConfig c = config(name, "io.github.pulsarwasm.pulsar.WasmRecordFunction", in, out);
        c.setInputSpecs(null);
        c.setOutputSchemaType(null);
        Map<String, Object> all = new java.util.HashMap<>(userConfig);
        all.put("wasm.resource", resource);
        c.setUserConfig(all);
        return c;
    }

    /** A new INT64 subscription that sees what is published from now on (subscribe before producing). */
    public static Consumer<Long> subscribe(PulsarClient client, String topic, String subscription) throws Exception {
        return client.newConsumer(Schema.INT64).topic(topic).subscriptionName(subscription)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Latest).subscribe();
    }

    /** Receives {@code n} messages, or fewer if {@code timeout} passes first; acknowledges each. */
    public static <T> List<Message<T>> receive(Consumer<T> consumer, int n, Duration timeout) throws Exception {
        List<Message<T>> got = new ArrayList<>(n);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (got.size() < n && System.nanoTime() < deadline) {
            Message<T> m = consumer.receive(200, TimeUnit.MILLISECONDS);
            if (m != null) {
                got.add(m);
                consumer.acknowledge(m);
            }
        }
        return got;
    }
}
