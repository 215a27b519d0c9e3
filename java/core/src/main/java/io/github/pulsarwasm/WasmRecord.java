package io.github.pulsarwasm;

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
        LittleEndianWriter out = new LittleEndianWriter(64 + value.length);
        out.u8(1);
        out.u8(0);
        out.u16((key != null ? 1 : 0) | (eventTime != null ? 2 : 0));
        out.i64(eventTime != null ? eventTime : 0);
        out.i64(publishTime);
        out.u32(redeliveryCount);
        out.bytes(value);
        out.text(key != null ? key : "");
        out.text(topic);
        out.bytes(messageId);
        out.u32(properties.size());
        properties.forEach((k, v) -> {
            out.text(k);
            out.text(v);
        });
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "WasmRecord[key=" + key + ", " + value.length + " bytes, properties=" + properties + "]";
    }
}
