package io.github.pulsarwasm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a guest returned or published: a value, and, when the guest set them, a key,
 * properties, an event time and a destination topic ({@code null} when not set).
 */
public final class WasmOutputRecord {
    private final byte[] value;
    private final String key;
    private final Map<String, String> properties;
    private final Long eventTime;
    private final String destinationTopic;

    WasmOutputRecord(byte[] value, String key, Map<String, String> properties, Long eventTime, String destinationTopic) {
        this.value = value;
        this.key = key;
        this.properties = properties;
        this.eventTime = eventTime;
        this.destinationTopic = destinationTopic;
    }

    static WasmOutputRecord ofValue(byte[] value) {
        return new WasmOutputRecord(value, null, null, null, null);
    }

    /** Reads an output-record envelope (checked by the native side before it gets here). */
    static WasmOutputRecord decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in.position(2);
        int flags = in.getShort() & 0xffff;
        long eventTime = in.getLong();
        byte[] value = HostBridge.bytes(in);
        String key = HostBridge.text(in);
        String topic = HostBridge.text(in);
        int count = in.getInt();
        Map<String, String> properties = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            properties.put(HostBridge.text(in), HostBridge.text(in));
        }
        return new WasmOutputRecord(value, (flags & 1) != 0 ? key : null,
                (flags & 8) != 0 ? Collections.unmodifiableMap(properties) : null,
                (flags & 2) != 0 ? eventTime : null, (flags & 4) != 0 ? topic : null);
    }

    public byte[] value() {
        return value.clone();
    }

    /** The value as UTF-8 text (malformed bytes replaced). */
    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    public String key() {
        return key;
    }

    public Map<String, String> properties() {
        return properties;
    }

    public Long eventTime() {
        return eventTime;
    }

    public String destinationTopic() {
        return destinationTopic;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WasmOutputRecord r && Arrays.equals(value, r.value) && Objects.equals(key, r.key)
                && Objects.equals(properties, r.properties) && Objects.equals(eventTime, r.eventTime)
                && Objects.equals(destinationTopic, r.destinationTopic);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(value), key, properties, eventTime, destinationTopic);
    }

    @Override
    public String toString() {
        return "WasmOutputRecord[value=" + valueAsString() + ", key=" + key + ", properties=" + properties
                + ", eventTime=" + eventTime + ", destinationTopic=" + destinationTopic + "]";
    }
}
