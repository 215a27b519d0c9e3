package io.github.pulsarwasm;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Owns the native library and its methods: loads modules and invokes their exports.
 *
 * <p>The library is loaded by this class's static initialiser into this class's loader, once
 * per JVM however many class loaders load this class: they all share one library, its engine
 * and its tables (see {@link NativeLibrary}).
 *
 * <p>Handles are opaque: the native side checks every one, so a closed or forged handle gives
 * an {@link IllegalStateException}, never a crash.
 */
public final class WasmLoader {
    /** Keep in sync with {@code ABI_VERSION} in {@code native/jni/mod.rs}. */
    static final int ABI_VERSION = 6;

    private static final String LIBRARY_FILE;

    static {
        LIBRARY_FILE = NativeLibrary.load(WasmLoader.class);
        int version = abiVersion();
        if (version != ABI_VERSION) {
            throw new UnsatisfiedLinkError("native library " + LIBRARY_FILE + " has ABI version " + version
                    + " but these classes need " + ABI_VERSION + ": the jar and the library come from different builds");
        }
    }

    private WasmLoader() {}

    /** Where the native library in use came from (for diagnostics). */
    public static String nativeLibrary() {
        return LIBRARY_FILE;
    }

    static WasmModuleInfo describeHandle(long handle) {
        List<String> fields = Arrays.asList(describe(handle).split("\0", -1));
        int exports = Integer.parseInt(fields.get(6));
        return new WasmModuleInfo(fields.get(0), Long.parseLong(fields.get(1)),
                WasmModuleInfo.Origin.valueOf(fields.get(3).toUpperCase(Locale.ROOT)),
                Duration.ofNanos(Long.parseLong(fields.get(2))), fields.get(4), fields.get(5),
                fields.subList(7, 7 + exports), fields.subList(7 + exports, fields.size()));
    }

    /**
     * Builds the exception a native is about to throw; called only by the native library
     * ({@code native/jni/throw.rs}, whose {@code Kind} numbers these cases: keep in sync). Here,
     * so the exception classes are always this class loader's own.
     */
    @SuppressWarnings("unused")
    private static Throwable exception(int kind, String message, String trapCode, Throwable cause) {
        return switch (kind) {
            case 1 -> new WasmCompileException(message);
            case 2 -> new WasmLinkException(message);
            case 3 -> new WasmTrapException(message, trapCode);
            case 4 -> new WasmLimitException(message);
            case 5 -> new IllegalStateException(message);
            case 6 -> new IllegalArgumentException(message);
            case 7 -> new NullPointerException(message);
            case 8 -> new WasmFuelExhaustedException(message, trapCode);
            case 9 -> new WasmTimeoutException(message, trapCode);
            case 10 -> new WasmMemoryLimitException(message, trapCode);
            case 11 -> new WasmHostFunctionException(message, cause);
            case 12 -> new WasmGuestException(message);
            case 13 -> new WasmExitException(message, Integer.parseInt(trapCode));
            default -> new WasmException(message);
        };
    }

    /**
     * {@link #load} with the limits of {@code limits} and the code from {@code precompiled} when
     * it matches; load errors name {@code source} (a resource, a file, "bytes") in front of the
     * engine's message, and a precompiled artifact or cache that could not be used is logged.
     */
    static long load(byte[] wasm, String export, WasmLimits limits, byte[] hostSpec, Object bridge, String source,
            Precompiled precompiled) {
        try {
            long handle = load(wasm, export, limits.maxMemoryPages(), limits.maxTableElements(), limits.fuelOrZero(),
                    limits.timeoutNanosOrZero(), hostSpec, bridge, precompiled.artifact(),
                    precompiled.cacheDirectory() == null ? null : precompiled.cacheDirectory().toString());
            if (precompiled.artifact() != null || precompiled.cacheDirectory() != null) {
                WasmModuleInfo info = describeHandle(handle);
                if (!info.artifactNote().isEmpty()) {
                    System.getLogger(WasmLoader.class.getName()).log(System.Logger.Level.WARNING,
                            source + ": compiled instead of loading precompiled code: " + info.artifactNote());
                }
            }
            return handle;
        } catch (WasmCompileException e) {
            throw new WasmCompileException(source + ": " + e.getMessage(), e);
        } catch (WasmLinkException e) {
            throw new WasmLinkException(source + ": " + e.getMessage(), e);
        } catch (WasmLimitException e) {
            throw new WasmLimitException(source + ": " + e.getMessage(), e);
        }
    }

    // Keep in sync with native/jni/mod.rs.
    private static native int abiVersion();

    /**
     * Compiles (or reuses) a module and checks its entry and imports; returns a handle.
     * {@code export} is the {@code (i64) -> i64} export, or {@code null} for a bytes/record guest
     * (ABI v1). {@code fuelPerCall} and {@code timeoutNanos} are 0 for none. {@code hostSpec}
     * (host functions, config, grants; see {@code WasmProcessor}) and {@code bridge} may be null.
     * {@code artifact} (a precompiled artifact, used only if it matches) and {@code cacheDir}
     * (the artifact cache directory) may be null.
     */
    static native long load(byte[] wasmOrWat, String export, int maxMemoryPages, int maxTableElements,
            long fuelPerCall, long timeoutNanos, byte[] hostSpec, Object bridge, byte[] artifact, String cacheDir);

    /** Compiles a module ahead of time into an artifact; {@code cpu} as {@link WasmArtifacts#precompile}. */
    static native byte[] precompile(byte[] wasmOrWat, boolean fuel, String cpu);

    /**
     * An artifact's footer as one line, a NUL, and why this library cannot load it on this
     * machine (empty when it can); or a NUL and why it is not an artifact.
     */
    static native String artifactInfo(byte[] artifact);

    /**
     * Runs one record, {@code input[0..length)}, through a bytes/record guest on this OS
     * thread's instance. The reply (outcome, output, effects: {@code native/abi.rs
     * finish_reply}) is written into {@code reply} when it fits in its {@code replyLength}
     * bytes, and {@code null} returned; a larger reply is returned in a new array.
     */
    static native byte[] process(long handle, byte[] input, int length, byte[] reply, int replyLength);

    /**
     * Calls the export behind {@code handle} on this OS thread's instance of the module
     * (a virtual thread uses its carrier's), creating the instance on the thread's first call.
     */
    static native long invoke(long handle, long arg);

    /** Frees the handle; {@code false} if it was already freed. */
    static native boolean unload(long handle);

    private static native String describe(long handle);

    /**
     * How many functions are loaded in this JVM, through any class loader (the native library is
     * shared by all of them): for diagnostics and tests.
     */
    public static native long liveFunctions();

    /**
     * How many instances exist in this JVM (one per function and calling OS thread, each with its
     * own memory): for diagnostics and tests. A thread frees its instances when it exits, and its
     * instance of a closed function on its next call.
     */
    public static native long liveInstances();
}
