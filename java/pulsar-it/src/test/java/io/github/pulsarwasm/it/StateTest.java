package io.github.pulsarwasm.it;

import static io.github.pulsarwasm.it.Functions.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pulsar.common.functions.FunctionConfig;
import org.apache.pulsar.common.functions.FunctionState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Function state from a guest, read back through the admin API, in a Pulsar of its own: in
 * Pulsar 4.0.8 deleting any function closes the worker's metadata-backed state store
 * (the instance's close releases the store the worker shares), after which the admin API
 * answers "The metadata store is closed". So nothing is deleted here before state is read.
 */
class StateTest {
    static EmbeddedPulsar pulsar;

    @BeforeAll
    static void start() throws Exception {
        pulsar = EmbeddedPulsar.builder().dataDir(PulsarTestSupport.workDir("state"))
                .functionsRuntime(EmbeddedPulsar.FunctionsRuntime.THREAD).build().start();
    }

    @AfterAll
    static void stop() {
        if (pulsar != null) pulsar.close();
    }

    /**
     * The enrich guest counts each record it answers: with state granted, the counter read
     * through the admin API equals the records answered, so the dead-lettered ones (each tried
     * twice, failing after its effects were made) added nothing.
     */
    @Test
    void countersFromTheGuestAreReadBackThroughTheAdminApi() throws Exception {
        for (String lang : new String[] {"rust", "as"}) {
            Map<String, Object> user = new HashMap<>(Map.of(
                    "env", "it",
                    "side_topic", topic("state-side-" + lang),
                    "wasm.grant.publish", "persistent://public/default/state-side-*",
                    "wasm.grant.state", true,
                    "wasm.hostFunctions", Map.of("score", "com.acme.pulsar.Score")));
            String prefix = "s1" + lang;
            FunctionConfig c = Functions.recordConfig("s-enrich-" + lang, "guests/enrich_" + lang + ".wasm",
                    topic(prefix + "-in"), topic(prefix + "-out"), user);
            c.setMaxMessageRetries(1);
            c.setDeadLetterTopic(topic(prefix + "-dlq"));
            c.setTimeoutMs(1000L);
            pulsar.admin().functions().createFunction(c, PulsarTestSupport.functionJar());
            Functions.waitRunning(pulsar.admin(), c, Duration.ofSeconds(120));
            String language = lang.equals("as") ? "assemblyscript" : lang;
            int answered = RecordFunctionChecks.check(pulsar.client(), prefix, language, 2_000, topic("state-side-" + lang));
            FunctionState counter = pulsar.admin().functions().getFunctionState("public", "default", c.getName(), "enriched");
            // The metadata-backed store keeps a counter as JSON text.
            assertEquals(answered, Long.parseLong(counter.getStringValue().replace("\"", "")),
                    language + ": the counter read back through the admin API: " + counter);
        }
    }
}
