package io.github.pulsarwasm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * The object the native side calls back (by method name and signature: keep in sync with
 * {@code native/jni/host.rs}): Java host functions, state reads, and the log lines of a failed
 * record. One per loaded function; the context of the call in progress is per thread.
 */
final class HostBridge {
    private final Object[] functions;
    private final WasmContext fallback;

    HostBridge(WasmHostFunctions functions, WasmContext fallback) {
        this.functions = functions.entries().stream().map(WasmHostFunctions.Entry::function).toArray();
        this.fallback = fallback;
    }

    /**
     * What a thread's call in progress needs, in one thread-local: the context its guest's
     * reads and failed records' log lines go to, and the thread's reusable reply buffer.
     */
    static final class CallState {
        private static final ThreadLocal<CallState> CURRENT = ThreadLocal.withInitial(CallState::new);

        WasmContext context;
        byte[] reply = new byte[4096];
        boolean replyInUse;

        static CallState current() {
            return CURRENT.get();
        }
    }

    private WasmContext context() {
        WasmContext context = CallState.current().context;
        return context != null ? context : fallback;
    }

    long callLong(int index, long a, long b) {
        Object function = functions[index];
        if (function instanceof LongUnaryOperator unary) {
            return unary.applyAsLong(a);
        }
        return ((LongBinaryOperator) function).applyAsLong(a, b);
    }

    @SuppressWarnings("unchecked")
    byte[] callBytes(int index, byte[] input) {
        return ((UnaryOperator<byte[]>) functions[index]).apply(input);
    }

    byte[] stateGet(byte[] key) {
        return context().getState(new String(key, StandardCharsets.UTF_8));
    }

    long counterGet(byte[] key) {
        return context().getCounter(new String(key, StandardCharsets.UTF_8));
    }

    /**
     * The host specification {@code native/jni/mod.rs decode_spec} reads: the host functions'
     * names and shapes, the user config (strings as they are, other values as JSON), the
     * grants, and the WASI arguments and environment.
     */
    static byte[] encodeSpec(WasmHostFunctions functions, Map<String, Object> config, boolean grantState,
            List<String> publishGrants, List<String> wasiArgs, Map<String, String> wasiEnv) {
        LittleEndianWriter spec = new LittleEndianWriter(256);
        functions.encode(spec);
        spec.u32(config.size());
        config.forEach((key, value) -> {
            spec.text(key);
            spec.text(value instanceof String s ? s : Json.write(value));
        });
        spec.u32(grantState ? 1 : 0);
        spec.u32(publishGrants.size());
        publishGrants.forEach(spec::text);
        spec.u32(wasiArgs.size());
        wasiArgs.forEach(spec::text);
        spec.u32(wasiEnv.size());
        wasiEnv.forEach((key, value) -> {
            spec.text(key);
            spec.text(value);
        });
        return spec.toByteArray();
    }

    /** The log lines and metrics of a record that failed: a count, then effects. */
    void discarded(byte[] effects) {
        ByteBuffer in = ByteBuffer.wrap(effects).order(ByteOrder.LITTLE_ENDIAN);
        apply(in, context(), null);
    }

    /**
     * Applies encoded effects ({@code native/abi.rs}: a u32 count, then tagged effects) in order;
     * publishes' futures go to {@code publishes}.
     */
    static void apply(ByteBuffer in, WasmContext context, List<CompletableFuture<?>> publishes) {
        int count = in.getInt();
        for (int i = 0; i < count; i++) {
            switch (in.get()) {
                case 1 -> {
                    int level = in.get();
                    context.log(level, text(in));
                }
                case 2 -> context.recordMetric(text(in), Double.longBitsToDouble(in.getLong()));
                case 3 -> context.putState(text(in), bytes(in));
                case 4 -> context.deleteState(text(in));
                case 5 -> context.incrCounter(text(in), in.getLong());
                case 6 -> {
                    String topic = text(in);
                    boolean record = in.get() == 1;
                    byte[] payload = bytes(in);
                    WasmOutputRecord out = record ? WasmOutputRecord.decode(payload) : WasmOutputRecord.ofValue(payload);
                    CompletableFuture<?> sent = context.publish(topic, out);
                    if (publishes != null && sent != null) {
                        publishes.add(sent);
                    }
                }
                default -> throw new IllegalStateException("unknown effect in a reply: the jar and the native library disagree");
            }
        }
    }

    static byte[] bytes(ByteBuffer in) {
        byte[] bytes = new byte[in.getInt()];
        in.get(bytes);
        return bytes;
    }

    static String text(ByteBuffer in) {
        return new String(bytes(in), StandardCharsets.UTF_8);
    }
}
