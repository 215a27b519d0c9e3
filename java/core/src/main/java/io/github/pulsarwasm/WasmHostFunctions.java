package io.github.pulsarwasm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * Java functions a guest can call, imported from the module {@code pulsar_user} under their
 * names (see {@code docs/abi.md}). Three shapes:
 *
 * <pre>{@code
 * WasmHostFunctions host = WasmHostFunctions.builder()
 *     .longFunction("score", x -> model.score(x))             // (i64) -> i64
 *     .longFunction("clamp", (x, max) -> Math.min(x, max))     // (i64, i64) -> i64
 *     .bytesFunction("geo", ip -> geoDb.lookup(ip))            // bytes in, bytes out (null: none)
 *     .build();
 * }</pre>
 *
 * <p>They run on the calling thread inside the guest's call, so they must be thread-safe when
 * the function is called from several threads, and may not call a WASM function themselves. An
 * exception they throw stops the guest; the caller gets a {@link WasmHostFunctionException}
 * with it as the cause.
 */
public final class WasmHostFunctions {
    private static final WasmHostFunctions NONE = new WasmHostFunctions(Collections.emptyMap());

    /** A registered function: its shape's name in the ABI, and the Java object. */
    record Entry(String shape, Object function) {}

    private final Map<String, Entry> functions;

    private WasmHostFunctions(Map<String, Entry> functions) {
        this.functions = functions;
    }

    public static WasmHostFunctions none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The registered names, in registration order. */
    public List<String> names() {
        return new ArrayList<>(functions.keySet());
    }

    List<Entry> entries() {
        return new ArrayList<>(functions.values());
    }

    /** Encodes the names and shapes as {@code native/jni/mod.rs decode_spec} reads them. */
    void encode(LittleEndianWriter out) {
        out.u32(functions.size());
        functions.forEach((name, entry) -> {
            out.text(name);
            out.text(entry.shape());
        });
    }

    @Override
    public String toString() {
        return "WasmHostFunctions" + functions.keySet();
    }

    public static final class Builder {
        private final Map<String, Entry> functions = new LinkedHashMap<>();

        private Builder() {}

        public Builder longFunction(String name, LongUnaryOperator function) {
            return add(name, "long", function);
        }

        public Builder longFunction(String name, LongBinaryOperator function) {
            return add(name, "long2", function);
        }

        public Builder bytesFunction(String name, UnaryOperator<byte[]> function) {
            return add(name, "bytes", function);
        }

        private Builder add(String name, String shape, Object function) {
            Objects.requireNonNull(name, "name must not be null");
            Objects.requireNonNull(function, "function must not be null");
            if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 1024) {
                throw new IllegalArgumentException("a host function's name must have 1 to 1024 bytes: '" + name + "'");
            }
            if (functions.putIfAbsent(name, new Entry(shape, function)) != null) {
                throw new IllegalArgumentException("host function '" + name + "' is registered twice");
            }
            return this;
        }

        public WasmHostFunctions build() {
            return functions.isEmpty() ? NONE : new WasmHostFunctions(Collections.unmodifiableMap(new LinkedHashMap<>(functions)));
        }
    }
}
