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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Workloads 1-3: one call of export "apply" on an instance made in setup (whose answer was
 * checked there), per runtime. Each (runtime, workload) pair runs in its own fork, so the call
 * site stays monomorphic.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// GraalWasm's JIT needs the long warmup: Truffle compiles the guest in the background, in tiers,
// and with 4 s of warmup its fib(25) was still getting faster (33 ms -> 0.9 ms) while measured.
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CallBenchmark {
    @Param({"PULSAR_WASM", "CHICORY_INTERPRETER", "CHICORY_COMPILER", "GRAALWASM", "GRAALWASM_INTERPRETER"})
    public Runtime runtime;

    @Param({"TRIVIAL", "COLLATZ", "FIB", "MEMORY"})
    public Workload workload;

    private Guest guest;
    private long arg;

    @Setup(Level.Trial)
    public void setUp() {
        guest = workload.openChecked(runtime);
        arg = workload.arg;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        long got = guest.call(arg);
        guest.close();
        if (got != workload.expected) {
            throw new IllegalStateException(runtime + " " + workload + " drifted to " + got);
        }
    }

    @Benchmark
    public long call() {
        return guest.call(arg);
    }
}
