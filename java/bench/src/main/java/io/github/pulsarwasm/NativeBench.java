package io.github.pulsarwasm;

/**
 * Benchmark-only natives, present only in a library built with the {@code bench-natives} cargo
 * feature (scripts/bench.sh builds one and points {@code -Dpulsar.wasm.library.path} at it).
 * The shipped library and jar do not have them.
 */
final class NativeBench {
    private NativeBench() {}

    /** Does nothing; the cost of a JNI call itself. */
    static native long noop(long arg);

    /** The core's call path looped {@code iterations} times inside Rust; returns nanoseconds. */
    static native long coreLoopNanos(long handle, long arg, int iterations);

    /** wasmer's own typed call on a private instance, looped the same way: the baseline. */
    static native long wasmerLoopNanos(long handle, long arg, int iterations);

    /**
     * Calls {@code target.callLong(int, long, long)} {@code iterations} times from one native
     * frame; returns nanoseconds. The JVM's own cost of a JNI upcall.
     */
    static native long upcallLoopNanos(Object target, int iterations);
}
