package io.github.pulsarwasm.pulsar;

import io.github.pulsarwasm.WasmFunction;
import io.github.pulsarwasm.WasmModuleInfo;
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
 *   <li>{@value #EXPORT_KEY} (optional, default {@code apply}): the export to call.
 * </ul>
 *
 * <p>A trap throws {@link io.github.pulsarwasm.WasmTrapException} out of {@link #process}: Pulsar
 * then fails the message (negative acknowledgement) so it is redelivered, and after the
 * configured retries goes to the dead-letter topic; the function keeps running.
 */
public class WasmPulsarFunction implements Function<Long, Long> {
    public static final String RESOURCE_KEY = "wasm.resource";
    public static final String EXPORT_KEY = "wasm.export";

    private WasmFunction function;

    @Override
    public void initialize(Context context) {
        String resource = config(context, RESOURCE_KEY).orElseThrow(() -> new IllegalArgumentException(
                "user-config key " + RESOURCE_KEY + " is not set: name the .wasm resource in the function package, e.g."
                        + " --user-config '{\"" + RESOURCE_KEY + "\": \"guests/collatz.wasm\"}'"));
        String export = config(context, EXPORT_KEY).orElse(WasmFunction.DEFAULT_EXPORT);
        function = WasmFunction.fromResource(getClass().getClassLoader(), resource, export);
        WasmModuleInfo info = function.info();
        context.getLogger().info("function {} loaded WASM resource {}: {}", context.getFunctionName(), resource, info);
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

    private static Optional<String> config(Context context, String key) {
        return context.getUserConfigValue(key).map(Object::toString).map(String::trim).filter(s -> !s.isEmpty());
    }
}
