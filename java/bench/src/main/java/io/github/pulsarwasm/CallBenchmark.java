package io.github.pulsarwasm;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one call, in the same run: a Java lambda, a JNI call that does nothing, and
 * {@link WasmFunction} on a trivial guest ({@code x + 1}) and on a compute-heavy one (Collatz
 * steps of 27: 111 iterations, C compiled to wasm), beside the same Collatz in Java.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallBenchmark {
    private static final byte[] PLUS1 = ("(module (func (export \"apply\") (param i64) (result i64)"
            + " local.get 0 i64.const 1 i64.add))").getBytes(StandardCharsets.UTF_8);

    long input = 27;
    LongUnaryOperator lambda = x -> x + 1;
    WasmFunction trivial;
    WasmFunction collatz;
    /** The same module as {@code trivial}, loaded without {@link WasmFunction}. */
    long plainHandle;

    @Setup
    public void setUp() {
        trivial = WasmFunction.fromBytes(PLUS1);
        collatz = WasmFunction.fromResource(CallBenchmark.class.getClassLoader(), "examples/collatz_c.wasm");
        plainHandle = WasmLoader.load(PLUS1, "apply", WasmLimits.DEFAULT_MAX_MEMORY_PAGES,
                WasmLimits.DEFAULT_MAX_TABLE_ELEMENTS, 0, WasmLimits.DEFAULT_TIMEOUT.toNanos(), null, null, null, null);
        try {
            NativeBench.noop(0);
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("run with -Dpulsar.wasm.library.path naming a library built with"
                    + " `cargo build --release --features bench-natives` (scripts/bench.sh does)", e);
        }
        if (WasmLoader.invoke(plainHandle, 1) != 2 || collatz.applyAsLong(27) != 111
                || javaCollatz(27) != 111 || trivial.applyAsLong(1) != 2) {
            throw new AssertionError("guests compute the wrong thing");
        }
    }

    @TearDown
    public void tearDown() {
        trivial.close();
        collatz.close();
        WasmLoader.unload(plainHandle);
    }

    @Benchmark
    public long javaLambda() {
        return lambda.applyAsLong(input);
    }

    @Benchmark
    public long jniNoop() {
        return NativeBench.noop(input);
    }

    @Benchmark
    public long wasmTrivial() {
        return trivial.applyAsLong(input);
    }

    @Benchmark
    public Long wasmTrivialBoxed() {
        return trivial.apply(input);
    }

    /** The native call alone, without WasmFunction's Java code around it. */
    @Benchmark
    public long wasmTrivialNativeOnly() {
        return WasmLoader.invoke(plainHandle, input);
    }

    /** The native call path alone, looped inside Rust on this JVM thread: per call, no JNI transition. */
    @Benchmark
    @OperationsPerInvocation(1000)
    public long wasmTrivialNativeLoop() {
        return NativeBench.coreLoopNanos(plainHandle, input, 1000);
    }

    /** wasmer's own typed call on the same module, looped inside Rust on this JVM thread: the baseline. */
    @Benchmark
    @OperationsPerInvocation(1000)
    public long wasmerTypedCallNativeLoop() {
        return NativeBench.wasmerLoopNanos(plainHandle, input, 1000);
    }

    @Benchmark
    public long wasmCollatz() {
        return collatz.applyAsLong(input);
    }

    @Benchmark
    public long javaCollatz() {
        return javaCollatz(input);
    }

    static long javaCollatz(long x) {
        if (x <= 0) return 0;
        long n = x, steps = 0;
        while (n != 1 && steps < 10000) {
            n = (n & 1) != 0 ? 3 * n + 1 : n >>> 1;
            steps++;
        }
        return steps;
    }
}
