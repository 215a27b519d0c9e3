package io.github.pulsarwasm.testing;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.ConsumerBuilder;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.apache.pulsar.functions.api.Context;
import org.apache.pulsar.functions.api.Function;
import org.apache.pulsar.functions.api.Record;
import org.apache.pulsar.functions.api.utils.FunctionRecord;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * A Pulsar {@link Context} for unit tests of functions, WASM or not, without a broker: it serves
 * user config, keeps state and counters in memory, and records metrics, published messages and
 * log lines for assertions.
 *
 * <pre>{@code
 * FakeContext context = FakeContext.builder()
 *         .userConfig("wasm.resource", "enrich.wasm")
 *         .userConfig("wasm.grant.state", true)
 *         .build();
 * WasmRecordFunction function = new WasmRecordFunction();
 * function.initialize(context);
 * Record<byte[]> out = context.process(function, FakeContext.input("{\"a\":1}").key("k1").property("source", "web"));
 * assertEquals(1, context.counter("enriched"));
 * }</pre>
 *
 * <p>Not thread-safe: one test, one context. Methods a function would use only to reach a real
 * cluster ({@link #getPulsarAdmin}, {@link #newConsumerBuilder}, {@link #fatal}) throw
 * {@link UnsupportedOperationException}; test those with Pulsar's LocalRunner (see the README).
 */
public final class FakeContext implements Context {
    /** A message the function published, as it was built. */
    public record Published(String topic, Object value, String key, Map<String, String> properties, Long eventTime) {
        /** The value as UTF-8 text (for byte[] values). */
        public String valueAsString() {
            return value instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
                    : String.valueOf(value);
        }
    }

    /** A line the function logged through {@link #getLogger()}. */
    public record LogLine(Level level, String message) {
        @Override
        public String toString() {
            return level + " " + message;
        }
    }

    private final String tenant;
    private final String namespace;
    private final String functionName;
    private final List<String> inputTopics;
    private final String outputTopic;
    private final Map<String, Object> userConfig;
    private final Map<String, String> secrets;
    private final Map<String, ByteBuffer> state = new LinkedHashMap<>();
    private final Map<String, Long> counters = new LinkedHashMap<>();
    private final Map<String, List<Double>> metrics = new LinkedHashMap<>();
    private final List<Published> published = new ArrayList<>();
    private final List<LogLine> logs = new ArrayList<>();
    private final Logger logger;
    private Record<?> currentRecord;

    private FakeContext(Builder b) {
        this.tenant = b.tenant;
        this.namespace = b.namespace;
        this.functionName = b.functionName;
        this.inputTopics = List.copyOf(b.inputTopics);
        this.outputTopic = b.outputTopic;
        this.userConfig = Collections.unmodifiableMap(new LinkedHashMap<>(b.userConfig));
        this.secrets = Map.copyOf(b.secrets);
        this.logger = new CapturingLogger("function-" + functionName);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An input record with this UTF-8 value; add key, properties, topic or event time with its methods. */
    public static Input input(String value) {
        return input(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** An input record with this value. */
    public static Input input(byte[] value) {
        return new Input(Objects.requireNonNull(value, "value must not be null"));
    }

    /**
     * Runs {@code function} over one input as the Pulsar runtime would: the input becomes
     * {@link #getCurrentRecord()}, then {@code function.process(value, this)} runs. Returns what
     * the function returned (a value, a {@link Record}, or null when it filtered the input out).
     */
    public <O> O process(Function<byte[], O> function, Input input) throws Exception {
        Objects.requireNonNull(function, "function must not be null");
        Objects.requireNonNull(input, "input must not be null");
        Input record = input.getTopicName().isPresent() || inputTopics.isEmpty() ? input : input.topic(inputTopics.get(0));
        currentRecord = record;
        try {
            return function.process(record.getValue(), this);
        } finally {
            currentRecord = null;
        }
    }

    /**
     * Runs a function of other types (a {@code WasmPulsarFunction} of {@code Long}, say) over one
     * value, which becomes the current record's value (on the first input topic).
     */
    public <I, O> O processValue(Function<I, O> function, I value) throws Exception {
        Objects.requireNonNull(function, "function must not be null");
        Objects.requireNonNull(value, "value must not be null");
        Optional<String> topic = inputTopics.stream().findFirst();
        currentRecord = new Record<I>() {
            @Override
            public I getValue() {
                return value;
            }

            @Override
            public Optional<String> getTopicName() {
                return topic;
            }
        };
        try {
            return function.process(value, this);
        } finally {
            currentRecord = null;
        }
    }

    /** A counter's value (0 if never incremented). */
    public long counter(String key) {
        return counters.getOrDefault(key, 0L);
    }

    /** All counters, in the order they were first incremented. */
    public Map<String, Long> counters() {
        return Collections.unmodifiableMap(counters);
    }

    /** A state value, if set. */
    public Optional<byte[]> state(String key) {
        ByteBuffer value = state.get(key);
        return Optional.ofNullable(value).map(FakeContext::bytes);
    }

    /** Every value recorded for a metric, in order. */
    public List<Double> metric(String name) {
        return Collections.unmodifiableList(metrics.getOrDefault(name, List.of()));
    }

    /** Every message published with {@link #newOutputMessage} or {@link #publish}, in order. */
    public List<Published> published() {
        return Collections.unmodifiableList(published);
    }

    /** Every line logged through {@link #getLogger()}, in order, at every level. */
    public List<LogLine> logs() {
        return Collections.unmodifiableList(logs);
    }

    /** Forgets published messages and log lines (state, counters and metrics are kept). */
    public void clearRecorded() {
        published.clear();
        logs.clear();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    // Context

    @Override
    public Collection<String> getInputTopics() {
        return inputTopics;
    }

    @Override
    public String getOutputTopic() {
        return outputTopic;
    }

    @Override
    public Record<?> getCurrentRecord() {
        return currentRecord;
    }

    @Override
    public String getOutputSchemaType() {
        return "BYTES";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionId() {
        return tenant + "/" + namespace + "/" + functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "0";
    }

    @Override
    public Map<String, Object> getUserConfigMap() {
        return userConfig;
    }

    @Override
    public Optional<Object> getUserConfigValue(String key) {
        return Optional.ofNullable(userConfig.get(key));
    }

    @Override
    public Object getUserConfigValueOrDefault(String key, Object defaultValue) {
        return userConfig.getOrDefault(key, defaultValue);
    }

    @Override
    public PulsarAdmin getPulsarAdmin() {
        throw unsupported("getPulsarAdmin");
    }

    @Override
    public <X> CompletableFuture<Void> publish(String topic, X object, String schemaOrSerdeClassName) {
        return publish(topic, object);
    }

    @Override
    public <X> CompletableFuture<Void> publish(String topic, X object) {
        published.add(new Published(topic, object, null, Map.of(), null));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public <X> TypedMessageBuilder<X> newOutputMessage(String topic, Schema<X> schema) {
        return new MessageBuilder<>(Objects.requireNonNull(topic, "topic must not be null"));
    }

    @Override
    public <X> ConsumerBuilder<X> newConsumerBuilder(Schema<X> schema) {
        throw unsupported("newConsumerBuilder");
    }

    @Override
    public <X> FunctionRecord.FunctionRecordBuilder<X> newOutputRecordBuilder(Schema<X> schema) {
        return FunctionRecord.from(this, schema);
    }

    @Override
    public String getTenant() {
        return tenant;
    }

    @Override
    public String getNamespace() {
        return namespace;
    }

    @Override
    public int getInstanceId() {
        return 0;
    }

    @Override
    public int getNumInstances() {
        return 1;
    }

    @Override
    public Logger getLogger() {
        return logger;
    }

    @Override
    public String getSecret(String name) {
        return secrets.get(name);
    }

    @Override
    public void putState(String key, ByteBuffer value) {
        state.put(key, ByteBuffer.wrap(bytes(value)));
    }

    @Override
    public CompletableFuture<Void> putStateAsync(String key, ByteBuffer value) {
        putState(key, value);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public ByteBuffer getState(String key) {
        ByteBuffer value = state.get(key);
        return value == null ? null : ByteBuffer.wrap(bytes(value));
    }

    @Override
    public CompletableFuture<ByteBuffer> getStateAsync(String key) {
        return CompletableFuture.completedFuture(getState(key));
    }

    @Override
    public void deleteState(String key) {
        state.remove(key);
    }

    @Override
    public CompletableFuture<Void> deleteStateAsync(String key) {
        deleteState(key);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void incrCounter(String key, long amount) {
        counters.merge(key, amount, Long::sum);
    }

    @Override
    public CompletableFuture<Void> incrCounterAsync(String key, long amount) {
        incrCounter(key, amount);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public long getCounter(String key) {
        return counter(key);
    }

    @Override
    public CompletableFuture<Long> getCounterAsync(String key) {
        return CompletableFuture.completedFuture(counter(key));
    }

    @Override
    public void recordMetric(String name, double value) {
        metrics.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    @Override
    public void fatal(Throwable t) {
        throw new AssertionError("the function called Context.fatal", t);
    }

    private static UnsupportedOperationException unsupported(String method) {
        return new UnsupportedOperationException("FakeContext has no cluster behind it, so no " + method
                + "(): test this with Pulsar's LocalRunner against a real broker (see the pulsar-wasm README)");
    }

    /** Builds a {@link FakeContext}. */
    public static final class Builder {
        private String tenant = "public";
        private String namespace = "default";
        private String functionName = "test-function";
        private final List<String> inputTopics = new ArrayList<>(List.of("persistent://public/default/input"));
        private String outputTopic = "persistent://public/default/output";
        private final Map<String, Object> userConfig = new LinkedHashMap<>();
        private final Map<String, String> secrets = new LinkedHashMap<>();

        private Builder() {}

        public Builder tenant(String tenant) {
            this.tenant = Objects.requireNonNull(tenant);
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = Objects.requireNonNull(namespace);
            return this;
        }

        public Builder functionName(String name) {
            this.functionName = Objects.requireNonNull(name);
            return this;
        }

        /** The input topics (default: {@code persistent://public/default/input}); the first names inputs without a topic. */
        public Builder inputTopics(List<String> topics) {
            inputTopics.clear();
            inputTopics.addAll(topics);
            return this;
        }

        public Builder outputTopic(String topic) {
            this.outputTopic = topic;
            return this;
        }

        /** One user-config entry, as {@code --user-config} would give it (strings, numbers, booleans, lists, maps). */
        public Builder userConfig(String key, Object value) {
            userConfig.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value of " + key));
            return this;
        }

        public Builder userConfig(Map<String, ?> config) {
            config.forEach(this::userConfig);
            return this;
        }

        public Builder secret(String name, String value) {
            secrets.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        public FakeContext build() {
            return new FakeContext(this);
        }
    }

    /** An input record: a value with optional key, properties, topic and event time. */
    public static final class Input implements Record<byte[]> {
        private final byte[] value;
        private String key;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private String topic;
        private Long eventTime;

        private Input(byte[] value) {
            this.value = value.clone();
        }

        public Input key(String key) {
            this.key = key;
            return this;
        }

        public Input property(String name, String value) {
            properties.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        public Input topic(String topic) {
            this.topic = topic;
            return this;
        }

        public Input eventTime(long millis) {
            this.eventTime = millis;
            return this;
        }

        @Override
        public byte[] getValue() {
            return value.clone();
        }

        @Override
        public Optional<String> getKey() {
            return Optional.ofNullable(key);
        }

        @Override
        public Map<String, String> getProperties() {
            return Collections.unmodifiableMap(properties);
        }

        @Override
        public Optional<String> getTopicName() {
            return Optional.ofNullable(topic);
        }

        @Override
        public Optional<Long> getEventTime() {
            return Optional.ofNullable(eventTime);
        }
    }

    /** Records the message when it is sent. */
    private final class MessageBuilder<X> implements TypedMessageBuilder<X> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private transient X value;
        private String key;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private Long eventTime;

        MessageBuilder(String topic) {
            this.topic = topic;
        }

        /** The message ID is null: there is no broker to assign one. */
        @Override
        public MessageId send() {
            published.add(new Published(topic, value, key, Map.copyOf(properties), eventTime));
            return null;
        }

        @Override
        public CompletableFuture<MessageId> sendAsync() {
            return CompletableFuture.completedFuture(send());
        }

        @Override
        public TypedMessageBuilder<X> key(String key) {
            this.key = key;
            return this;
        }

        @Override
        public TypedMessageBuilder<X> keyBytes(byte[] key) {
            this.key = java.util.Base64.getEncoder().encodeToString(key);
            return this;
        }

        @Override
        public TypedMessageBuilder<X> orderingKey(byte[] orderingKey) {
            return this;
        }

        @Override
        public TypedMessageBuilder<X> value(X value) {
            this.value = value;
            return this;
        }

        @Override
        public TypedMessageBuilder<X> property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        @Override
        public TypedMessageBuilder<X> properties(Map<String, String> properties) {
            this.properties.putAll(properties);
            return this;
        }

        @Override
        public TypedMessageBuilder<X> eventTime(long timestamp) {
            this.eventTime = timestamp;
            return this;
        }

        @Override
        public TypedMessageBuilder<X> sequenceId(long sequenceId) {
            return this;
        }

        @Override
        public TypedMessageBuilder<X> replicationClusters(List<String> clusters) {
            return this;
        }

        @Override
        public TypedMessageBuilder<X> disableReplication() {
            return this;
        }

        @Override
        public TypedMessageBuilder<X> deliverAt(long timestamp) {
            return this;
        }

        @Override
        public TypedMessageBuilder<X> deliverAfter(long delay, TimeUnit unit) {
            return this;
        }

        @Override
        public TypedMessageBuilder<X> loadConf(Map<String, Object> config) {
            throw unsupported("TypedMessageBuilder.loadConf");
        }
    }

    /** An slf4j logger that records every line, at every level. */
    private final class CapturingLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        CapturingLogger(String name) {
            this.name = name;
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                Throwable throwable) {
            String message = MessageFormatter.basicArrayFormat(pattern, arguments);
            logs.add(new LogLine(level, throwable == null ? message : message + ": " + throwable));
        }

        @Override
        public boolean isTraceEnabled() {
            return true;
        }

        @Override
        public boolean isDebugEnabled() {
            return true;
        }

        @Override
        public boolean isInfoEnabled() {
            return true;
        }

        @Override
        public boolean isWarnEnabled() {
            return true;
        }

        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    }
}
