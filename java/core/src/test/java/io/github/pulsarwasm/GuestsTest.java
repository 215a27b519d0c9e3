package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.LongUnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The guests under examples/, each built from source in its own language by examples/build.sh,
 * against a Java reference on many inputs (edge values and 20,000 random ones).
 */
class GuestsTest {
    static Stream<Arguments> guests() {
        return Stream.of(
                Arguments.of("C", "collatz_c.wasm", (LongUnaryOperator) GuestsTest::collatz),
                Arguments.of("Rust", "hash_rust.wasm", (LongUnaryOperator) ConcurrencyTest::mix),
                Arguments.of("AssemblyScript", "isqrt_as.wasm", (LongUnaryOperator) GuestsTest::isqrt),
                Arguments.of("Zig", "fib_zig.wasm", (LongUnaryOperator) GuestsTest::fib),
                Arguments.of("WAT", "mix_wat.wasm", (LongUnaryOperator) x -> (x * 31 + 7) ^ (x >>> 17)),
                Arguments.of("WAT", "plus1.wasm", (LongUnaryOperator) x -> x + 1));
    }

    /** The guests compiled from a language with a compiler (the WAT traps are ErrorsTest's). */
    static Stream<Arguments> compiledGuests() {
        return guests().map(Arguments::get).filter(a -> !a[0].equals("WAT")).map(a -> Arguments.of(a[0], a[1]));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("guests")
    void guestMatchesJavaReference(String language, String file, LongUnaryOperator reference) {
        try (WasmFunction guest = WasmFunction.fromResource(getClass().getClassLoader(), "examples/" + file)) {
            long[] edges = {0, 1, -1, 2, 27, 97, 1000, 999, 1001, Long.MAX_VALUE, Long.MIN_VALUE,
                    0x5555555555555555L, 3037000499L * 3037000499L, Integer.MAX_VALUE, Integer.MIN_VALUE};
            for (long x : edges) {
                assertEquals(reference.applyAsLong(x), guest.apply(x), language + " " + file + " at " + x);
            }
            SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < 20_000; i++) {
                long x = switch (i % 3) {
                    case 0 -> random.nextLong();
                    case 1 -> random.nextLong(1_000_000);
                    default -> random.nextLong(-5000, 5000);
                };
                assertEquals(reference.applyAsLong(x), guest.applyAsLong(x), language + " " + file + " at " + x);
            }
        }
    }

    /**
     * Each compiled language's way of failing (C {@code __builtin_trap}, a Rust panic, an
     * AssemblyScript {@code unreachable}, a Zig {@code @trap}) is a {@link WasmTrapException}
     * with a backtrace, and the function keeps working. Export {@code trap}: x, but traps at 0.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("compiledGuests")
    void aTrapInEveryLanguageIsAWasmTrapException(String language, String file) {
        try (WasmFunction guest = WasmFunction.fromResource(getClass().getClassLoader(), "examples/" + file, "trap")) {
            for (int round = 0; round < 3; round++) {
                WasmTrapException e = assertThrows(WasmTrapException.class, () -> guest.applyAsLong(0));
                assertEquals("UnreachableCodeReached", e.trapCode(), language + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("\n    at "), language + " trap has a wasm backtrace: " + e.getMessage());
                assertEquals(41L, guest.applyAsLong(41), language + " works after a trap");
            }
        }
    }

    /** Collatz steps to 1 (wrapping unsigned n, capped at 10000); 0 for x <= 0. */
    static long collatz(long x) {
        if (x <= 0) return 0;
        long n = x, steps = 0;
        while (n != 1 && steps < 10000) {
            n = (n & 1) != 0 ? 3 * n + 1 : n >>> 1;
            steps++;
        }
        return steps;
    }

    /** floor(sqrt(x)) for x >= 0, -1 for x < 0. */
    static long isqrt(long x) {
        if (x < 0) return -1;
        long lo = 0, hi = 3037000499L; // floor(sqrt(Long.MAX_VALUE))
        while (lo < hi) {
            long mid = lo + ((hi - lo + 1) >> 1);
            if (mid * mid <= x) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /** fib(unsigned x % 1000), wrapping. */
    static long fib(long x) {
        long n = Long.remainderUnsigned(x, 1000);
        long a = 0, b = 1;
        for (long i = 0; i < n; i++) {
            long t = a + b;
            a = b;
            b = t;
        }
        return a;
    }
}
