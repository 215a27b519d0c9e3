package io.github.pulsarwasm;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A guest of bytes and records (ABI v1, {@code docs/abi.md}): it takes a message value, or a
 * whole record, and returns a value, nothing (a filter), an error, or an output record; on the
 * way it can log, read its config, use state and counters, record metrics, publish, and call
 * Java host functions.
 *
 * <pre>{@code
 * try (WasmProcessor p = WasmProcessor.builder().path(Path.of("enrich.wasm"))
 *         .hostFunctions(WasmHostFunctions.builder().longFunction("score", x -> x * 7).build())
 *         .config(Map.of("env", "prod")).grantState(true).grantPublish(List.of("side-*")).build()) {
 *     byte[] out = p.apply("{\"id\":1}".getBytes(UTF_8));               // value in, value out
 *     WasmOutputRecord r = p.process(WasmRecord.of(bytes).withKey("k"), myContext);
 * }
 * }</pre>
 *
 * <p>Thread-safe, with one instance per calling OS thread, like {@link WasmFunction}. Effects
 * cross from the native side once per record, with the result, and are applied to the
 * {@link WasmContext} in order before {@code process} returns.
 */
public final class WasmProcessor implements Function<byte[], byte[]>, AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final long handle;
    private final String source;
    private final boolean wantsRecord;
    private final HostBridge bridge;
    private final WasmContext defaultContext;
    private final Cleaner.Cleanable cleanable;

    private WasmProcessor(Builder b) {
        this.source = b.source;
        this.defaultContext = b.context != null ? b.context : WasmContext.logging(source);
        this.bridge = new HostBridge(b.functions, defaultContext);
        byte[] spec = HostBridge.encodeSpec(b.functions, b.config, b.grantState, b.publishGrants, b.wasiArgs, b.wasiEnv);
        long loaded = WasmLoader.load(b.wasm, null, b.limits, spec, bridge, source, b.precompiled);
        this.handle = loaded;
        this.cleanable = CLEANER.register(this, () -> WasmLoader.unload(loaded));
        this.wantsRecord = info().exports().stream().anyMatch(e -> e.startsWith("pulsar_wants_record:"));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether the guest takes whole records (it exports {@code pulsar_wants_record}). */
    public boolean wantsRecord() {
        return wantsRecord;
    }

    /**
     * Runs the guest over a value: returns the output value (an output record's value), or
     * {@code null} when the guest filtered it out. Effects go to the builder's context.
     */
    @Override
    public byte[] apply(byte[] value) {
        WasmRecord record = WasmRecord.of(Objects.requireNonNull(value, "value must not be null"));
        return call(record, defaultContext, reply -> switch (reply[0]) {
            case 0 -> null;
            case 1 -> Arrays.copyOfRange(reply, REPLY_HEADER, REPLY_HEADER + length(reply));
            default -> output(reply).value();
        });
    }

    /** {@link #apply(byte[])} over UTF-8 text. */
    public String applyString(String value) {
        byte[] out = apply(value.getBytes(StandardCharsets.UTF_8));
        return out == null ? null : new String(out, StandardCharsets.UTF_8);
    }

    /**
     * Runs the guest over a record; its effects are applied to {@code context} (publishes
     * acknowledged) before this returns. Returns {@code null} when the guest filtered it out.
     *
     * @throws WasmGuestException the guest reported an error
     * @throws WasmTrapException the guest trapped, or hit a limit, or a host function threw
     */
    public WasmOutputRecord process(WasmRecord record, WasmContext context) {
        return call(record, context, WasmProcessor::output);
    }

    /** Bytes before the output in a reply: the outcome and the output's length. */
    private static final int REPLY_HEADER = 5;

    private static int length(byte[] reply) {
        return (reply[1] & 0xff) | (reply[2] & 0xff) << 8 | (reply[3] & 0xff) << 16 | (reply[4] & 0xff) << 24;
    }

    private static WasmOutputRecord output(byte[] reply) {
        int length = length(reply);
        return switch (reply[0]) {
            case 0 -> null;
            case 1 -> WasmOutputRecord.ofValue(Arrays.copyOfRange(reply, REPLY_HEADER, REPLY_HEADER + length));
            default -> WasmOutputRecord.decode(Arrays.copyOfRange(reply, REPLY_HEADER, REPLY_HEADER + length));
        };
    }

    /** A larger reply gets an array of its own and is not kept. */
    private static final int MAX_KEPT_REPLY = 1 << 20;

    /**
     * Runs the guest, applies the reply's effects, and returns what {@code result} reads from
     * the reply (which must copy what it keeps: the reply's array is reused).
     */
    private <T> T call(WasmRecord record, WasmContext context, java.util.function.Function<byte[], T> result) {
        Objects.requireNonNull(record, "record must not be null");
        Objects.requireNonNull(context, "context must not be null");
        byte[] input = wantsRecord ? record.encode() : record.valueUnsafe();
        // A call made while this thread's buffer is in use (from an effect's Java code) gets its own.
        HostBridge.CallState state = HostBridge.CallState.current();
        boolean owned = !state.replyInUse;
        state.replyInUse = true;
        WasmContext previous = state.context;
        state.context = context;
        try {
            byte[] reply = run(input, context, owned ? state.reply : new byte[4096]);
            if (owned && reply != state.reply && reply.length <= MAX_KEPT_REPLY) {
                state.reply = reply;
            }
            return result.apply(reply);
        } finally {
            state.context = previous;
            if (owned) {
                state.replyInUse = false;
            }
        }
    }

    private byte[] run(byte[] input, WasmContext context, byte[] out) {
        byte[] reply;
        try {
            reply = WasmLoader.process(handle, input, input.length, out, out.length);
            if (reply == null) {
                reply = out;
            }
        } finally {
            Reference.reachabilityFence(this);
        }
        int effectsAt = REPLY_HEADER + length(reply);
        // Most records make no effect: skip the buffer then.
        if (reply[effectsAt] != 0 || reply[effectsAt + 1] != 0 || reply[effectsAt + 2] != 0 || reply[effectsAt + 3] != 0) {
            ByteBuffer in = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
            in.position(effectsAt);
            List<CompletableFuture<?>> publishes = new ArrayList<>(0);
            HostBridge.apply(in, context, publishes);
            if (!publishes.isEmpty()) {
                CompletableFuture.allOf(publishes.toArray(new CompletableFuture<?>[0])).join();
            }
        }
        return reply;
    }

    /** Module facts: hash, size, compile time, exports. */
    public WasmModuleInfo info() {
        try {
            return WasmLoader.describeHandle(handle);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "WasmProcessor[" + source + "]";
    }


    public static final class Builder {
        private byte[] wasm;
        private String source;
        private Precompiled precompiled = Precompiled.none();
        private WasmLimits limits = WasmLimits.defaults();
        private WasmHostFunctions functions = WasmHostFunctions.none();
        private final Map<String, Object> config = new LinkedHashMap<>();
        private boolean grantState;
        private final List<String> publishGrants = new ArrayList<>();
        private final List<String> wasiArgs = new ArrayList<>();
        private final Map<String, String> wasiEnv = new LinkedHashMap<>();
        private WasmContext context;

        private Builder() {}

        /** WebAssembly binary or WAT text. */
        public Builder wasm(byte[] wasmOrWat) {
            this.wasm = Objects.requireNonNull(wasmOrWat, "wasmOrWat must not be null").clone();
            this.source = "bytes";
            this.precompiled = precompiled.withArtifact(null);
            return this;
        }

        /**
         * A resource of {@code loader}, read past the JDK's jar cache (see {@link WasmFunction}),
         * with its precompiled artifact if the loader has one (see {@link WasmArtifacts}).
         */
        public Builder resource(ClassLoader loader, String name) {
            this.wasm = WasmFunction.readResource(loader, name);
            this.source = "resource " + name;
            this.precompiled = precompiled.withArtifact(Precompiled.artifactResource(loader::getResource, name));
            return this;
        }

        /** A module file, with its precompiled artifact if one lies beside it (see {@link WasmArtifacts}). */
        public Builder path(Path path) {
            this.wasm = WasmFunction.readFile(path);
            this.source = "file " + path;
            this.precompiled = precompiled.withArtifact(Precompiled.artifactFile(path));
            return this;
        }

        /**
         * A precompiled artifact for the module (see {@link WasmArtifacts}): used if it matches,
         * else the module is compiled and a warning says why. Call after the module is set.
         */
        public Builder artifact(byte[] artifact) {
            this.precompiled = precompiled.withArtifact(Objects.requireNonNull(artifact, "artifact must not be null").clone());
            return this;
        }

        /**
         * The artifact cache directory (default: system property
         * {@value WasmArtifacts#CACHE_PROPERTY}); {@code null} for none.
         */
        public Builder artifactCache(Path directory) {
            this.precompiled = precompiled.withCacheDirectory(directory);
            return this;
        }

        public Builder limits(WasmLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits must not be null");
            return this;
        }

        public Builder hostFunctions(WasmHostFunctions functions) {
            this.functions = Objects.requireNonNull(functions, "functions must not be null");
            return this;
        }

        /** The user config the guest reads with {@code config_get} (a snapshot, taken now). */
        public Builder config(Map<String, ?> config) {
            config.forEach((k, v) -> this.config.put(Objects.requireNonNull(k), Objects.requireNonNull(v, "config value of " + k)));
            return this;
        }

        /** Grants state and counters. Not granted, they return NOT_PERMITTED to the guest. */
        public Builder grantState(boolean grant) {
            this.grantState = grant;
            return this;
        }

        /**
         * Grants publishing to these topics: names as Pulsar resolves them ({@code side} is
         * {@code persistent://public/default/side}), or prefixes ending in {@code *}.
         */
        public Builder grantPublish(Collection<String> topics) {
            topics.forEach(t -> publishGrants.add(Objects.requireNonNull(t)));
            return this;
        }

        /**
         * The arguments a WASI guest reads ({@code args_get}; {@code argv} in C, {@code os.Args}
         * in Go). None unless given.
         */
        public Builder wasiArgs(List<String> args) {
            args.forEach(a -> wasiArgs.add(Objects.requireNonNull(a, "a WASI argument")));
            return this;
        }

        /**
         * The environment variables a WASI guest sees ({@code environ_get}). None unless given:
         * never the worker's own.
         */
        public Builder wasiEnv(Map<String, String> env) {
            env.forEach((k, v) -> {
                if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0 || v.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("not a valid environment variable: " + k + "=" + v);
                }
                wasiEnv.put(k, v);
            });
            return this;
        }

        /** Where effects go when {@link WasmProcessor#apply} is used (default: log lines to a System.Logger). */
        public Builder context(WasmContext context) {
            this.context = Objects.requireNonNull(context);
            return this;
        }

        public WasmProcessor build() {
            if (wasm == null) {
                throw new IllegalStateException("no module: call wasm(..), resource(..) or path(..)");
            }
            return new WasmProcessor(this);
        }
    }
}
