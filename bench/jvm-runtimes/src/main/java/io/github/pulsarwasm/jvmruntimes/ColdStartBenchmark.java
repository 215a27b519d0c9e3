package io.github.pulsarwasm.jvmruntimes;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workload 4: from the bytes of a ~215 KB module (2,000 functions) to the first answer of a
 * fresh instance: parse + validate + compile + instantiate + first call + close, per runtime.
 * Nothing is shared between operations (pulsar-wasm: close() frees the module; GraalWasm: a new
 * Context with no shared Engine; Chicory: a new WasmModule).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 15)
@Fork(1)
public class ColdStartBenchmark {
    @Param({"PULSAR_WASM", "PULSAR_WASM_PRECOMPILED", "CHICORY_INTERPRETER", "CHICORY_COMPILER", "GRAALWASM",
        "GRAALWASM_INTERPRETER"})
    public Runtime runtime;

    private byte[] wasm;
    private long arg;
    private long expected;

    @Setup(Level.Trial)
    public void setUp() {
        Workload w = Workload.BIG;
        wasm = w.bytes();
        arg = w.arg;
        expected = w.expected;
        if (runtime == Runtime.PULSAR_WASM_PRECOMPILED) {
            Runtime.prepare(wasm); // made before timing; each operation reads the files again
        }
    }

    @Benchmark
    public long coldStart() {
        try (Guest g = runtime.open(wasm, "apply")) {
            long got = g.call(arg);
            if (got != expected) {
                throw new IllegalStateException(runtime + ": apply(" + arg + ") = " + got + ", expected " + expected);
            }
            return got;
        }
    }
}
