package io.github.pulsarwasm;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Owns the native library and its methods: loads modules and invokes their exports.
 *
 * <p>The library is loaded by this class's static initialiser, so it belongs to this class's
 * class loader (the JVM ties a native library to the loader of the class that loads it). See
 * {@link NativeLibrary} for where it comes from.
 *
 * <p>Handles are opaque: the native side checks every one, so a closed or forged handle gives
 * an {@link IllegalStateException}, never a crash.
 */
public final class WasmLoader {
    /** Keep in sync with {@code ABI_VERSION} in {@code native/jni/mod.rs}. */
    static final int ABI_VERSION = 2;

    private static final String LIBRARY_FILE;

    static {
        NativeLibrary.Located located = NativeLibrary.locate(WasmLoader.class);
        // System.load must run here, in the class that declares the natives, so the library is
        // bound to this class's loader.
        System.load(located.path().toString());
        located.loaded();
        LIBRARY_FILE = located.description();
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
        return new WasmModuleInfo(fields.get(0), Long.parseLong(fields.get(1)),
                Duration.ofNanos(Long.parseLong(fields.get(2))), fields.get(3), fields.subList(4, fields.size()));
    }

    // Keep in sync with native/jni/mod.rs.
    private static native int abiVersion();

    /** Compiles (or reuses) a module and checks {@code export} is {@code (i64) -> i64}; returns a handle. */
    static native long load(byte[] wasmOrWat, String export);

    /** Calls the export behind {@code handle} on this thread's instance of the module. */
    static native long invoke(long handle, long arg);

    /**
     * This thread's instance slot of {@code handle}, for {@link #invokeBound}; the instance is
     * created by the first call.
     */
    static native int bind(long handle);

    /**
     * {@link #invoke}, going straight to {@code instance} when this thread bound it and it still
     * fits; any other value just takes the general path.
     */
    static native long invokeBound(long handle, int instance, long arg);

    /** Frees the handle; {@code false} if it was already freed. */
    static native boolean unload(long handle);

    private static native String describe(long handle);

    /** Runs {@code invokeBound}'s native path {@code iterations} times in one call; returns nanoseconds (benchmarks). */
    static native long coreLoopNanos(long handle, long arg, int iterations);

    /** The same loop with wasmer's own typed call on a private instance: the baseline (benchmarks). */
    static native long wasmerLoopNanos(long handle, long arg, int iterations);

    /** Does nothing; the benchmark's baseline for the cost of a JNI call. */
    static native long noop(long arg);
}
