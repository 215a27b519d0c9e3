package io.github.pulsarwasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A record as a guest sees it (the input envelope of {@code docs/abi.md}): the value and its
 * metadata. Immutable; build one with {@link #of(byte[])} and the {@code with...} methods.
 */
public final class WasmRecord {
    private final byte[] value;
    private final String key;
    private final Map<String, String> properties;
    private final String topic;
    private final byte[] messageId;
    private final Long eventTime;
    private final long publishTime;
    private final int redeliveryCount;

    private WasmRecord(byte[] value, String key, Map<String, String> properties, String topic, byte[] messageId,
            Long eventTime, long publishTime, int redeliveryCount) {
        this.value = value;
        this.key = key;
        this.properties = properties;
        this.topic = topic;
        this.messageId = messageId;
        this.eventTime = eventTime;
        this.publishTime = publishTime;
        this.redeliveryCount = redeliveryCount;
    }

    /** A record with this value and no metadata. */
    public static WasmRecord of(byte[] value) {
        return new WasmRecord(Objects.requireNonNull(value, "value must not be null"), null, Collections.emptyMap(), "",
                new byte[0], null, 0, 0);
    }

    public static WasmRecord of(String value) {
        return of(value.getBytes(StandardCharsets.UTF_8));
    }

    public WasmRecord withKey(String key) {
        return new WasmRecord(value, key, properties, topic, messageId, eventTime, publishTime, redeliveryCount);
    }

    public WasmRecord withProperties(Map<String, String> properties) {
        Map<String, String> copy = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        return new WasmRecord(value, key, copy, topic, messageId, eventTime, publishTime, redeliveryCount);
    }

    public WasmRecord withTopic(String topic) {
        return new WasmRecord(value, key, properties, Objects.requireNonNull(topic), messageId, eventTime, publishTime,
                redeliveryCount);
    }

    public WasmRecord withMessageId(byte[] messageId) {
        return new WasmRecord(value, key, properties, topic, messageId.clone(), eventTime, publishTime, redeliveryCount);
    }

    public WasmRecord withEventTime(Long eventTime) {
        return new WasmRecord(value, key, properties, topic, messageId, eventTime, publishTime, redeliveryCount);
    }

    public WasmRecord withPublishTime(long publishTime) {
        return new WasmRecord(value, key, properties, topic, messageId, eventTime, publishTime, redeliveryCount);
    }

    public WasmRecord withRedeliveryCount(int redeliveryCount) {
        return new WasmRecord(value, key, properties, topic, messageId, eventTime, publishTime, redeliveryCount);
    }

    public byte[] value() {
        return value.clone();
    }

    /** The value without a copy, for the native call (which copies it). */
    byte[] valueUnsafe() {
        return value;
    }

    public String key() {
        return key;
    }

    public Map<String, String> properties() {
        return properties;
    }

    /** The input envelope, version 1. */
    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + value.length);
        out.write(1);
        out.write(0);
        int flags = (key != null ? 1 : 0) | (eventTime != null ? 2 : 0);
        u16(out, flags);
        i64(out, eventTime != null ? eventTime : 0);
        i64(out, publishTime);
        u32(out, redeliveryCount);
        field(out, value);
        field(out, key != null ? key.getBytes(StandardCharsets.UTF_8) : new byte[0]);
        field(out, topic.getBytes(StandardCharsets.UTF_8));
        field(out, messageId);
        u32(out, properties.size());
        properties.forEach((k, v) -> {
            field(out, k.getBytes(StandardCharsets.UTF_8));
            field(out, v.getBytes(StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }

    static void u16(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
    }

    static void u32(ByteArrayOutputStream out, int v) {
        u16(out, v);
        u16(out, v >>> 16);
    }

    static void i64(ByteArrayOutputStream out, long v) {
        u32(out, (int) v);
        u32(out, (int) (v >>> 32));
    }

    static void field(ByteArrayOutputStream out, byte[] bytes) {
        u32(out, bytes.length);
        out.writeBytes(bytes);
    }

    @Override
    public String toString() {
        return "WasmRecord[key=" + key + ", " + value.length + " bytes, properties=" + properties + "]";
    }
}
