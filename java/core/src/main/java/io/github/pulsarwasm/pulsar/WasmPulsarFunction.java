package io.github.pulsarwasm.pulsar;

import io.github.pulsarwasm.WasmFunction;
import io.github.pulsarwasm.WasmLimits;
import io.github.pulsarwasm.WasmModuleInfo;
import java.time.Duration;
import java.util.Optional;
import org.apache.pulsar.functions.api.Context;
import org.apache.pulsar.functions.api.Function;

/**
 * A ready-made Pulsar function that runs a WebAssembly export {@code (i64) -> i64} on every
 * message, configured by user-config keys, so a function package needs only this jar and a
 * {@code .wasm}:
 *
 * <pre>
 * pulsar-admin functions create --jar my-function.jar \
 *   --classname io.github.pulsarwasm.pulsar.WasmPulsarFunction \
 *   --user-config '{"wasm.resource": "guests/collatz.wasm", "wasm.export": "apply"}' \
 *   --inputs in --output out
 * </pre>
 *
 * <ul>
 *   <li>{@value #RESOURCE_KEY} (required): the class-path resource in the function package,
 *       such as {@code guests/collatz.wasm} (no leading slash);
 *   <li>{@value #EXPORT_KEY} (optional, default {@code apply}): the export to call;
 *   <li>{@value #MEMORY_PAGES_KEY} (optional, default 1024 = 64 MiB): the cap of each memory, in
 *       pages of 64 KiB, per instance (one per function instance thread);
 *   <li>{@value #TABLE_ELEMENTS_KEY} (optional, default 100000): the cap of each table;
 *   <li>{@value #FUEL_KEY} (optional, default none): WebAssembly instructions one message may
 *       execute; {@code 0} or {@code none} for no count;
 *   <li>{@value #TIMEOUT_KEY} (optional, default 10000): milliseconds one message may run;
 *       {@code 0} or {@code none} for no deadline.
 * </ul>
 * See {@link WasmLimits} for what each limit does.
 *
 * <p>A trap, and a call stopped by a limit, throws a {@link io.github.pulsarwasm.WasmTrapException}
 * out of {@link #process}: Pulsar
 * then fails the message (negative acknowledgement) so it is redelivered, and after the
 * configured retries goes to the dead-letter topic; the function keeps running.
 */
public class WasmPulsarFunction implements Function<Long, Long> {
    public static final String RESOURCE_KEY = "wasm.resource";
    public static final String EXPORT_KEY = "wasm.export";
    public static final String MEMORY_PAGES_KEY = "wasm.memory.maxPages";
    public static final String TABLE_ELEMENTS_KEY = "wasm.table.maxElements";
    public static final String FUEL_KEY = "wasm.fuel.perCall";
    public static final String TIMEOUT_KEY = "wasm.timeout.ms";

    private WasmFunction function;

    @Override
    public void initialize(Context context) {
        String resource = config(context, RESOURCE_KEY).orElseThrow(() -> new IllegalArgumentException(
                "user-config key " + RESOURCE_KEY + " is not set: name the .wasm resource in the function package, e.g."
                        + " --user-config '{\"" + RESOURCE_KEY + "\": \"guests/collatz.wasm\"}'"));
        String export = config(context, EXPORT_KEY).orElse(WasmFunction.DEFAULT_EXPORT);
        WasmLimits limits = limits(context);
        function = WasmFunction.fromResource(getClass().getClassLoader(), resource, export, limits);
        WasmModuleInfo info = function.info();
        context.getLogger().info("function {} loaded WASM resource {} under {}: {}", context.getFunctionName(), resource,
                limits, info);
    }

    @Override
    public Long process(Long input, Context context) {
        if (function == null) {
            throw new IllegalStateException("WasmPulsarFunction.process called before initialize");
        }
        return function.apply(input);
    }

    @Override
    public void close() {
        if (function != null) {
            function.close();
        }
    }

    /** The limits the user config sets, over the defaults. */
    static WasmLimits limits(Context context) {
        WasmLimits limits = WasmLimits.defaults();
        Optional<Long> pages = number(context, MEMORY_PAGES_KEY);
        if (pages.isPresent()) {
            limits = limits.withMaxMemoryPages(toInt(MEMORY_PAGES_KEY, pages.get()));
        }
        Optional<Long> elements = number(context, TABLE_ELEMENTS_KEY);
        if (elements.isPresent()) {
            limits = limits.withMaxTableElements(toInt(TABLE_ELEMENTS_KEY, elements.get()));
        }
        Optional<Long> fuel = number(context, FUEL_KEY);
        if (fuel.isPresent()) {
            limits = fuel.get() == 0 ? limits.withoutFuelLimit() : limits.withFuelPerCall(fuel.get());
        }
        Optional<Long> timeout = number(context, TIMEOUT_KEY);
        if (timeout.isPresent()) {
            limits = timeout.get() == 0 ? limits.withoutTimeout() : limits.withTimeout(Duration.ofMillis(timeout.get()));
        }
        return limits;
    }

    /** A whole number from the user config; {@code none} reads as 0. */
    private static Optional<Long> number(Context context, String key) {
        return config(context, key).map(text -> {
            if (text.equalsIgnoreCase("none")) {
                return 0L;
            }
            try {
                // JSON numbers may arrive as doubles ("100.0").
                double value = Double.parseDouble(text);
                if (value < 0 || value != Math.rint(value) || value > Long.MAX_VALUE) {
                    throw new NumberFormatException();
                }
                return (long) value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("user-config key " + key + " must be a whole number >= 0 (or none), not '"
                        + text + "'");
            }
        });
    }

    private static int toInt(String key, long value) {
        if (value < 1 || value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("user-config key " + key + " must be 1 to " + Integer.MAX_VALUE + ", not " + value);
        }
        return (int) value;
    }

    private static Optional<String> config(Context context, String key) {
        return context.getUserConfigValue(key).map(Object::toString).map(String::trim).filter(s -> !s.isEmpty());
    }
}
