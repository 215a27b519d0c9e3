package com.acme;

import io.github.pulsarwasm.WasmException;
import io.github.pulsarwasm.WasmFunction;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;

/**
 * Runs WASM functions through the pulsar-wasm jar, printing inputs and outputs beside a Java
 * reference, then feeds it bad modules and shows the exceptions. Exits 1 if anything is wrong.
 */
public final class Demo {
    private static int wrong;

    public static void main(String[] args) throws Exception {
        try (Plus1 plus1 = new Plus1();
             Collatz collatz = new Collatz();
             WasmFunction hash = WasmFunction.fromResource(Demo.class.getClassLoader(), "com/acme/guests/hash.wasm")) {
            show("Plus1 (WAT)", plus1, x -> x + 1);
            show("Collatz steps (C)", collatz, Demo::collatz);
            show("splitmix64 (Rust)", hash, Demo::splitmix64);
            System.out.println("  " + collatz.info());
        }

        System.out.println("Bad input gives exceptions, not crashes:");
        expectFailure("bytes that are not wasm", () -> WasmFunction.fromBytes("hello".getBytes(StandardCharsets.UTF_8)));
        expectFailure("a missing export", () -> WasmFunction.fromResource(Demo.class.getClassLoader(), "com/acme/guests/hash.wasm", "nope"));
        try (WasmFunction trap = WasmFunction.fromResource(Demo.class.getClassLoader(), "com/acme/guests/trap.wasm")) {
            expectFailure("a trap (unreachable)", () -> trap.apply(-1L));
            expectFailure("a trap (out-of-bounds load)", () -> trap.apply(1L));
            long after = trap.apply(21L);
            check("the same function after traps: 21", 42, after);
        }
        Function<Long, Long> closed = new Plus1();
        ((AutoCloseable) closed).close();
        expectFailure("a call after close", () -> closed.apply(1L));
        expectFailure("a null input", () -> new Plus1().apply(null));

        System.out.println(wrong == 0 ? "RESULT: all outputs were right" : "RESULT: " + wrong + " outputs were WRONG");
        System.exit(wrong == 0 ? 0 : 1);
    }

    private static void show(String name, Function<Long, Long> f, LongUnaryOperator reference) {
        System.out.println(name + ":");
        for (long x : new long[] {1, 7, 27, 97, 1_000_000, -5, Long.MAX_VALUE}) {
            check(String.format("  %-20d ->", x), reference.applyAsLong(x), f.apply(x));
        }
    }

    private static void check(String label, long expected, long actual) {
        boolean ok = expected == actual;
        if (!ok) wrong++;
        System.out.println(label + " " + actual + (ok ? "" : "   WRONG, expected " + expected));
    }

    private static void expectFailure(String what, Runnable action) {
        try {
            action.run();
            wrong++;
            System.out.println("  " + what + ": no exception   WRONG");
        } catch (WasmException | IllegalStateException | NullPointerException e) {
            String message = e.getMessage().lines().findFirst().orElse("");
            System.out.println("  " + what + ": " + e.getClass().getSimpleName() + ": " + message);
        }
    }

    static long collatz(long x) {
        if (x <= 0) return 0;
        long n = x, steps = 0;
        while (n != 1 && steps < 10000) {
            n = (n & 1) != 0 ? 3 * n + 1 : n >>> 1;
            steps++;
        }
        return steps;
    }

    static long splitmix64(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
