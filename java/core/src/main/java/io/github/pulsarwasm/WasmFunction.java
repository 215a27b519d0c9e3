package io.github.pulsarwasm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * A WebAssembly export {@code (i64) -> i64} as a {@code Function<Long, Long>}.
 *
 * <p>Subclass it to make a function Pulsar can instantiate by class name:
 * <pre>{@code
 * package com.acme;
 * public class Plus1 extends WasmFunction {}   // runs com/acme/Plus1.wasm, export "apply"
 * }</pre>
 * or build one directly with {@link #fromBytes}, {@link #fromResource} or {@link #fromPath}.
 *
 * <p>Thread-safe: each calling OS thread runs its own instance of the module (created on its
 * first call), so calls never wait for each other, and guest state (globals, memory) is per
 * thread: a virtual thread uses the instance of the carrier thread it runs on. A trap throws
 * {@link WasmTrapException} and the next call on that thread starts from a fresh instance.
 * A thread frees its instances when it exits.
 *
 * <p>It is a {@code Function<Long, Long>}, so {@link #andThen} and {@link #compose} take
 * lambdas; {@link #applyAsLong} calls it without boxing, and {@link #asLongUnaryOperator()}
 * gives it as a {@link LongUnaryOperator}.
 *
 * <p>Each function runs under {@link WasmLimits}: the defaults, or those given when it is made.
 * A call stopped by a limit throws a subclass of {@link WasmTrapException}.
 *
 * <p>Close it when done; a {@link Cleaner} frees it if it is forgotten, but only after a GC.
 * Using it after {@link #close()} throws {@link IllegalStateException}.
 */
public class WasmFunction implements Function<Long, Long>, AutoCloseable {
    /** The export called when none is named. */
    public static final String DEFAULT_EXPORT = "apply";

    private static final Cleaner CLEANER = Cleaner.create();

    private final long handle;
    private final String source;
    private final WasmLimits limits;
    private final Cleaner.Cleanable cleanable;

    /**
     * Runs the resource named like this class with {@code .wasm} (or {@code .wat}) beside it,
     * e.g. {@code com/acme/Plus1.wasm} for {@code com.acme.Plus1}, calling export {@value #DEFAULT_EXPORT}.
     */
    protected WasmFunction() {
        this(null, DEFAULT_EXPORT, WasmLimits.defaults());
    }

    /** Like {@link #WasmFunction()}, under the given limits. */
    protected WasmFunction(WasmLimits limits) {
        this(null, DEFAULT_EXPORT, limits);
    }

    /**
     * Runs the given resource, resolved like {@link Class#getResource(String)} against the
     * subclass (relative to its package, or absolute when it starts with {@code /});
     * {@code null} means the default name described at {@link #WasmFunction()}.
     */
    protected WasmFunction(String resource, String export) {
        this(resource, export, WasmLimits.defaults());
    }

    /** Like {@link #WasmFunction(String, String)}, under the given limits. */
    protected WasmFunction(String resource, String export, WasmLimits limits) {
        Class<?> self = getClass();
        String name = resource != null ? resource : defaultResource(self);
        this.source = "resource " + name + " of " + self.getName();
        this.limits = Objects.requireNonNull(limits, "limits must not be null");
        this.handle = load(readResource(self, name), export, limits, WasmHostFunctions.none(), source,
                Precompiled.none().withArtifact(Precompiled.artifactResource(self::getResource, name)));
        this.cleanable = CLEANER.register(this, new Unload(handle));
    }

    private WasmFunction(byte[] wasm, String export, WasmLimits limits, WasmHostFunctions functions, String source,
            Precompiled precompiled) {
        this.source = source;
        this.limits = Objects.requireNonNull(limits, "limits must not be null");
        this.handle = load(wasm, export, limits, functions, source, precompiled);
        this.cleanable = CLEANER.register(this, new Unload(handle));
    }

    /** A function from WebAssembly binary or WAT text, calling export {@value #DEFAULT_EXPORT}. */
    public static WasmFunction fromBytes(byte[] wasmOrWat) {
        return fromBytes(wasmOrWat, DEFAULT_EXPORT);
    }

    /** A function from WebAssembly binary or WAT text, calling the named export. */
    public static WasmFunction fromBytes(byte[] wasmOrWat, String export) {
        return fromBytes(wasmOrWat, export, WasmLimits.defaults());
    }

    /** A function from WebAssembly binary or WAT text, calling the named export, under the given limits. */
    public static WasmFunction fromBytes(byte[] wasmOrWat, String export, WasmLimits limits) {
        Objects.requireNonNull(wasmOrWat, "wasmOrWat must not be null");
        return new WasmFunction(wasmOrWat, export, limits, WasmHostFunctions.none(), "bytes", Precompiled.none());
    }

    /**
     * A function from WebAssembly binary or WAT text whose guest may import the given Java host
     * functions (module {@code pulsar_user}, see {@link WasmHostFunctions}).
     */
    public static WasmFunction fromBytes(byte[] wasmOrWat, String export, WasmLimits limits, WasmHostFunctions hostFunctions) {
        Objects.requireNonNull(wasmOrWat, "wasmOrWat must not be null");
        return new WasmFunction(wasmOrWat, export, limits, hostFunctions, "bytes", Precompiled.none());
    }

    /** A function from a class-path resource (a name like {@code com/acme/plus1.wasm}, no leading slash). */
    public static WasmFunction fromResource(ClassLoader loader, String name) {
        return fromResource(loader, name, DEFAULT_EXPORT);
    }

    /** A function from a class-path resource, calling the named export. */
    public static WasmFunction fromResource(ClassLoader loader, String name, String export) {
        return fromResource(loader, name, export, WasmLimits.defaults());
    }

    /** A function from a class-path resource, calling the named export, under the given limits. */
    public static WasmFunction fromResource(ClassLoader loader, String name, String export, WasmLimits limits) {
        Objects.requireNonNull(loader, "loader must not be null");
        return new WasmFunction(readResource(loader, name), export, limits, WasmHostFunctions.none(), "resource " + name,
                Precompiled.none().withArtifact(Precompiled.artifactResource(loader::getResource, name)));
    }

    /** A function from a {@code .wasm} or {@code .wat} file. */
    public static WasmFunction fromPath(Path path) {
        return fromPath(path, DEFAULT_EXPORT);
    }

    /** A function from a {@code .wasm} or {@code .wat} file, calling the named export. */
    public static WasmFunction fromPath(Path path, String export) {
        return fromPath(path, export, WasmLimits.defaults());
    }

    /** A function from a {@code .wasm} or {@code .wat} file, calling the named export, under the given limits. */
    public static WasmFunction fromPath(Path path, String export, WasmLimits limits) {
        Objects.requireNonNull(path, "path must not be null");
        return new WasmFunction(readFile(path), export, limits, WasmHostFunctions.none(), "file " + path,
                Precompiled.none().withArtifact(Precompiled.artifactFile(path)));
    }

    /**
     * Calls the export.
     *
     * @throws NullPointerException if {@code input} is null
     * @throws WasmTrapException if the guest traps, or a subclass if a limit stopped the call
     * @throws IllegalStateException if this function is closed
     */
    @Override
    public Long apply(Long input) {
        if (input == null) {
            throw new NullPointerException("input of WASM function (" + source + ") must not be null");
        }
        return applyAsLong(input);
    }

    /**
     * Calls the export without boxing.
     *
     * @throws WasmTrapException if the guest traps, or a subclass if a limit stopped the call
     * @throws IllegalStateException if this function is closed
     */
    public long applyAsLong(long input) {
        try {
            return WasmLoader.invoke(handle, input);
        } finally {
            // Keep this object (and so its handle) from being cleaned while the call runs.
            Reference.reachabilityFence(this);
        }
    }

    /** This function as a {@link LongUnaryOperator} (calls {@link #applyAsLong}). */
    public LongUnaryOperator asLongUnaryOperator() {
        return this::applyAsLong;
    }

    /** The limits this function runs under. */
    public WasmLimits limits() {
        return limits;
    }

    /** What was loaded: hash, size, compile time, exports. */
    public WasmModuleInfo info() {
        try {
            return WasmLoader.describeHandle(handle);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Frees the function. Idempotent; calls already running on other threads finish normally. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + source + "]";
    }

    private static long load(byte[] wasm, String export, WasmLimits limits, WasmHostFunctions functions, String source,
            Precompiled precompiled) {
        Objects.requireNonNull(export, "export must not be null");
        Objects.requireNonNull(functions, "host functions must not be null");
        byte[] spec = null;
        Object bridge = null;
        if (!functions.names().isEmpty()) {
            spec = HostBridge.encodeSpec(functions, Map.of(), false, List.of(), List.of(), Map.of());
            bridge = new HostBridge(functions, WasmContext.logging(source));
        }
        return WasmLoader.load(wasm, export, limits, spec, bridge, source, precompiled);
    }

    private static String defaultResource(Class<?> type) {
        String simple = type.getSimpleName();
        if (type.getResource(simple + ".wasm") == null && type.getResource(simple + ".wat") != null) {
            return simple + ".wat";
        }
        return simple + ".wasm";
    }

    /** A resource of {@code loader} (a name without a leading slash), read by {@link #read(URL)}. */
    static byte[] readResource(ClassLoader loader, String name) {
        Objects.requireNonNull(loader, "loader must not be null");
        Objects.requireNonNull(name, "name must not be null");
        URL url = loader.getResource(name);
        if (url == null) {
            throw new WasmException("WASM resource " + name + " not found in " + loader
                    + " (resource names have no leading slash, e.g. com/acme/plus1.wasm)");
        }
        return read(url);
    }

    static byte[] readFile(Path path) {
        Objects.requireNonNull(path, "path must not be null");
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read WASM file " + path, e);
        }
    }

    private static byte[] readResource(Class<?> type, String name) {
        URL url = type.getResource(name);
        if (url == null) {
            String where = name.startsWith("/") ? name.substring(1)
                    : type.getPackageName().replace('.', '/') + "/" + name;
            throw new WasmException("WASM resource " + where + " for " + type.getName()
                    + " not found in its class loader " + type.getClassLoader()
                    + ": put the .wasm file beside the class in the jar, or pass its name to the constructor");
        }
        return read(url);
    }

    /**
     * Reads a resource without the JDK's jar-file cache: that cache is keyed by path, so after a
     * function package is replaced at the same path (as Pulsar does on update) a cached handle
     * would still serve the old file's bytes.
     */
    static byte[] read(URL url) {
        try {
            URLConnection connection = url.openConnection();
            connection.setUseCaches(false);
            try (InputStream in = connection.getInputStream()) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read WASM resource " + url, e);
        }
    }

    /** The cleaning action: captures only the handle, never the function. */
    private record Unload(long handle) implements Runnable {
        @Override
        public void run() {
            WasmLoader.unload(handle);
        }
    }
}
