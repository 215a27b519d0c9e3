package io.github.pulsarwasm.jvmruntimes;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The guests, their argument and the answer every runtime must give. */
public enum Workload {
    /** apply(x) = x + 1. */
    TRIVIAL("trivial.wasm", 42, 43),
    /** Collatz steps of 27, compiled from C (examples/collatz.c). */
    COLLATZ("collatz_c.wasm", 27, 111),
    /** Naive recursive fib(25): 242,785 guest calls. */
    FIB("fib.wasm", 25, 75025),
    /** Fill and sum 64 KiB of linear memory, 16 rounds. */
    MEMORY("mem.wasm", 16, memoryExpected(16)),
    /** 2,000 chained functions, ~215 KB of wasm: the cold-start workload (answer from gen_big.py). */
    BIG("big.wasm", bigExpected()[0], bigExpected()[1]);

    public final String file;
    public final long arg;
    public final long expected;

    Workload(String file, long arg, long expected) {
        this.file = file;
        this.arg = arg;
        this.expected = expected;
    }

    public byte[] bytes() {
        return read(file);
    }

    /** What mem.wat computes, in Java. */
    static long memoryExpected(long n) {
        long sum = 0;
        for (long r = 0; r < n; r++) {
            for (long i = 0; i < 8192; i++) {
                sum += i * (r + 1) + r;
            }
        }
        return sum;
    }

    private static long[] bigExpected() {
        String[] s = new String(read("big.expected"), StandardCharsets.US_ASCII).trim().split("\\s+");
        return new long[] {Long.parseLong(s[0]), Long.parseLong(s[1])};
    }

    static byte[] read(String name) {
        try (InputStream in = Workload.class.getResourceAsStream("/wasm/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource /wasm/" + name + " (run run.sh to build it)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens the guest in the runtime, calls it once and fails unless it gives the expected answer. */
    public Guest openChecked(Runtime runtime) {
        Guest g = runtime.open(bytes(), "apply");
        long got = g.call(arg);
        if (got != expected) {
            g.close();
            throw new IllegalStateException(runtime + " " + this + ": apply(" + arg + ") = " + got + ", expected " + expected);
        }
        return g;
    }
}
