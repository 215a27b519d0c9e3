package io.github.pulsarwasm.pulsar;

import io.github.pulsarwasm.WasmContext;
import io.github.pulsarwasm.WasmHostFunctions;
import io.github.pulsarwasm.WasmOutputRecord;
import io.github.pulsarwasm.WasmProcessor;
import io.github.pulsarwasm.WasmRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;
import java.util.function.UnaryOperator;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.TypedMessageBuilder;
import org.apache.pulsar.functions.api.Context;
import org.apache.pulsar.functions.api.Function;
import org.apache.pulsar.functions.api.Record;
import org.apache.pulsar.functions.api.utils.FunctionRecord;
import org.slf4j.Logger;

/**
 * A Pulsar function that runs a bytes/record guest (ABI v1, {@code docs/abi.md}) over each
 * message: bytes, String and JSON topics alike (the guest gets the message's bytes). The guest
 * returns a value, nothing (the message is filtered out), or an output record with key,
 * properties, event time and destination topic; it can log, read the user config, use state
 * and counters, record metrics and publish, through the function's {@link Context}.
 *
 * <p>User config:
 * <ul>
 * <li>{@code wasm.resource}: the {@code .wasm} in the function package (required);
 * <li>{@code wasm.grant.state}: {@code true} grants state and counters;
 * <li>{@code wasm.grant.publish}: topics (or prefixes ending in {@code *}) the guest may publish
 *     to, as a list or a comma-separated string;
 * <li>{@code wasm.wasi.args} and {@code wasm.wasi.env}: the arguments (a list) and environment
 * (a map) a WASI guest sees; none by default;
 * <li>{@code wasm.hostFunctions}: a map from import name to a class in the function package
 *     implementing {@code LongUnaryOperator}, {@code LongBinaryOperator} or
 *     {@code UnaryOperator<byte[]>} (public, no-arg constructor);
 * <li>the limits of {@link WasmPulsarFunction} ({@code wasm.memory.maxPages}, ...).
 * </ul>
 * The guest reads the whole user config with {@code config_get}.
 */
public class WasmRecordFunction implements Function<byte[], Record<byte[]>> {
    public static final String GRANT_STATE_KEY = "wasm.grant.state";
    public static final String GRANT_PUBLISH_KEY = "wasm.grant.publish";
    public static final String HOST_FUNCTIONS_KEY = "wasm.hostFunctions";
    public static final String WASI_ARGS_KEY = "wasm.wasi.args";
    public static final String WASI_ENV_KEY = "wasm.wasi.env";

    private WasmProcessor processor;

    @Override
    public void initialize(Context context) throws Exception {
        Object resource = context.getUserConfigValue(WasmPulsarFunction.RESOURCE_KEY).orElseThrow(
                () -> new IllegalArgumentException("user-config key " + WasmPulsarFunction.RESOURCE_KEY
                        + " is not set: name the .wasm resource in the function package"));
        Map<String, Object> config = context.getUserConfigMap();
        boolean grantState = Boolean.parseBoolean(String.valueOf(config.getOrDefault(GRANT_STATE_KEY, "false")));
        List<String> grantPublish = list(config.get(GRANT_PUBLISH_KEY));
        processor = WasmProcessor.builder()
                .resource(getClass().getClassLoader(), resource.toString())
                .limits(WasmPulsarFunction.limits(context))
                .hostFunctions(hostFunctions(context))
                .config(config)
                .grantState(grantState)
                .grantPublish(grantPublish)
                .wasiArgs(list(config.get(WASI_ARGS_KEY)))
                .wasiEnv(stringMap(config.get(WASI_ENV_KEY), WASI_ENV_KEY))
                .context(new PulsarContext(context))
                .build();
        context.getLogger().info("function {} loaded WASM resource {} (bytes/record guest, input {}; state {}, publish {}): {}",
                context.getFunctionName(), resource, processor.wantsRecord() ? "whole records" : "message values",
                grantState ? "granted" : "not granted", grantPublish.isEmpty() ? "not granted" : "granted to " + grantPublish,
                processor.info());
    }

    @Override
    public Record<byte[]> process(byte[] input, Context context) {
        if (processor == null) {
            throw new IllegalStateException("WasmRecordFunction.process called before initialize");
        }
        WasmRecord record = WasmRecord.of(input);
        if (processor.wantsRecord()) {
            record = describe(record, context.getCurrentRecord());
        }
        WasmOutputRecord out = processor.process(record, new PulsarContext(context));
        if (out == null) {
            return null;
        }
        FunctionRecord.FunctionRecordBuilder<byte[]> builder = context.newOutputRecordBuilder(Schema.BYTES).value(out.value());
        if (out.key() != null) {
            builder.key(out.key());
        }
        if (out.properties() != null) {
            builder.properties(out.properties());
        }
        if (out.eventTime() != null) {
            builder.eventTime(out.eventTime());
        }
        if (out.destinationTopic() != null) {
            builder.destinationTopic(out.destinationTopic());
        }
        return builder.build();
    }

    @Override
    public void close() {
        if (processor != null) {
            processor.close();
        }
    }

    private static WasmRecord describe(WasmRecord record, Record<?> current) {
        if (current == null) {
            return record;
        }
        WasmRecord described = record.withProperties(current.getProperties()).withTopic(current.getTopicName().orElse(""));
        if (current.getKey().isPresent()) {
            described = described.withKey(current.getKey().get());
        }
        if (current.getEventTime().isPresent()) {
            described = described.withEventTime(current.getEventTime().get());
        }
        Optional<? extends Message<?>> message = current.getMessage();
        if (message.isPresent()) {
            Message<?> m = message.get();
            described = described.withMessageId(m.getMessageId().toByteArray()).withPublishTime(m.getPublishTime())
                    .withRedeliveryCount(m.getRedeliveryCount());
        }
        return described;
    }

    private WasmHostFunctions hostFunctions(Context context) throws ReflectiveOperationException {
        Object value = context.getUserConfigValue(HOST_FUNCTIONS_KEY).orElse(null);
        WasmHostFunctions.Builder builder = WasmHostFunctions.builder();
        if (value == null) {
            return builder.build();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(HOST_FUNCTIONS_KEY + " must be a map from import name to class name, not " + value);
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = e.getKey().toString();
            Object function = Class.forName(e.getValue().toString(), true, getClass().getClassLoader())
                    .getConstructor().newInstance();
            if (function instanceof LongUnaryOperator unary) {
                builder.longFunction(name, unary);
            } else if (function instanceof LongBinaryOperator binary) {
                builder.longFunction(name, binary);
            } else if (function instanceof UnaryOperator<?> bytes) {
                @SuppressWarnings("unchecked")
                UnaryOperator<byte[]> typed = (UnaryOperator<byte[]>) bytes;
                builder.bytesFunction(name, typed);
            } else {
                throw new IllegalArgumentException("host function " + name + ": " + e.getValue()
                        + " implements none of LongUnaryOperator, LongBinaryOperator, UnaryOperator<byte[]>");
            }
        }
        return builder.build();
    }

    private static List<String> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            list.forEach(v -> out.add(v.toString()));
            return out;
        }
        return Arrays.stream(value.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static Map<String, String> stringMap(Object value, String key) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("user-config key " + key + " must be a map of names to values, not " + value);
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    /** The guest's Context calls on Pulsar's {@link Context}. */
    static final class PulsarContext implements WasmContext {
        private final Context context;

        PulsarContext(Context context) {
            this.context = context;
        }

        @Override
        public void log(int level, String message) {
            Logger logger = context.getLogger();
            switch (level) {
                case TRACE -> logger.trace(message);
                case DEBUG -> logger.debug(message);
                case INFO -> logger.info(message);
                case WARN -> logger.warn(message);
                default -> logger.error(message);
            }
        }

        @Override
        public void recordMetric(String name, double value) {
            context.recordMetric(name, value);
        }

        @Override
        public byte[] getState(String key) {
            ByteBuffer value = context.getState(key);
            if (value == null) {
                return null;
            }
            byte[] bytes = new byte[value.remaining()];
            value.duplicate().get(bytes);
            return bytes;
        }

        @Override
        public void putState(String key, byte[] value) {
            context.putState(key, ByteBuffer.wrap(value));
        }

        @Override
        public void deleteState(String key) {
            context.deleteState(key);
        }

        @Override
        public long getCounter(String key) {
            return context.getCounter(key);
        }

        @Override
        public void incrCounter(String key, long delta) {
            context.incrCounter(key, delta);
        }

        @Override
        public CompletableFuture<?> publish(String topic, WasmOutputRecord record) {
            try {
                TypedMessageBuilder<byte[]> message = context.newOutputMessage(topic, Schema.BYTES).value(record.value());
                if (record.key() != null) {
                    message.key(record.key());
                }
                if (record.properties() != null) {
                    message.properties(record.properties());
                }
                if (record.eventTime() != null) {
                    message.eventTime(record.eventTime());
                }
                return message.sendAsync();
            } catch (PulsarClientException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }
}
