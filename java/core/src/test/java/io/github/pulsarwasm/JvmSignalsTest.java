package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * wasmer installs SIGSEGV/SIGILL/SIGFPE handlers over the JVM's and forwards signals that are
 * not from wasm code. The JVM uses SIGSEGV itself (implicit null checks in JIT-compiled code,
 * stack banging for StackOverflowError, safepoint polls, GC). This test runs those JVM paths
 * hard, on the same threads that call into wasm and on others, while the wasm threads trap,
 * and checks every outcome.
 */
class JvmSignalsTest {
    static final class Holder {
        long value;
    }

    static long sumWithNulls(Holder[] holders) {
        long sum = 0;
        for (Holder h : holders) {
            try {
                sum += h.value; // h is often null: a JIT-compiled implicit null check (SIGSEGV)
            } catch (NullPointerException e) {
                sum -= 1;
            }
        }
        return sum;
    }

    static int depth(int n) {
        return depth(n + 1) + 1;
    }

    @Test
    void jvmSignalsKeepWorkingWhileWasmTraps() throws Exception {
        Holder[] holders = new Holder[1000];
        for (int i = 0; i < holders.length; i += 2) {
            holders[i] = new Holder();
            holders[i].value = i;
        }
        long expected = 0;
        for (int i = 0; i < holders.length; i++) expected += holders[i] == null ? -1 : i;

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong traps = new AtomicLong();
        AtomicLong overflowsOnWasmThreads = new AtomicLong();
        AtomicLong gcsOnWasmThreads = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (WasmFunction traps3 = WasmFunction.fromBytes(Wat.TRAPS)) {
            List<Future<?>> trappers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                trappers.add(pool.submit(() -> {
                    long[] inputs = {-1, 0, 1, 2, 7};
                    for (int i = 0; !stop.get(); i++) {
                        long x = inputs[i % inputs.length];
                        try {
                            long r = traps3.applyAsLong(x);
                            assertEquals(14L, r);
                        } catch (WasmTrapException e) {
                            traps.incrementAndGet();
                        }
                        // This thread has run wasm: its JVM signals must work too.
                        if (i % 64 == 0) {
                            assertEquals(expectedNulls(), sumWithNulls(new Holder[] {null, null}));
                        }
                        if (i % 2_000 == 0) {
                            try {
                                depth(0);
                            } catch (StackOverflowError e) {
                                overflowsOnWasmThreads.incrementAndGet();
                            }
                        }
                        if (i % 10_000 == 0) {
                            System.gc();
                            gcsOnWasmThreads.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            Future<Long> nulls = pool.submit(() -> {
                long last = 0;
                for (int i = 0; i < 20_000; i++) last = sumWithNulls(holders);
                return last;
            });
            Future<Integer> overflows = pool.submit(() -> {
                int caught = 0;
                for (int i = 0; i < 50; i++) {
                    try {
                        depth(0);
                    } catch (StackOverflowError e) {
                        caught++;
                    }
                }
                return caught;
            });
            Future<Long> garbage = pool.submit(() -> {
                long total = 0;
                for (int i = 0; i < 2_000; i++) {
                    byte[][] junk = new byte[64][];
                    for (int j = 0; j < junk.length; j++) junk[j] = new byte[16 * 1024];
                    total += junk.length;
                    if (i % 500 == 0) System.gc();
                }
                return total;
            });

            assertEquals(expected, nulls.get());
            assertEquals(50, overflows.get());
            assertEquals(2_000L * 64, garbage.get());
            stop.set(true);
            for (Future<?> f : trappers) f.get();
            assertTrue(traps.get() > 0, "wasm trapped meanwhile");
            assertTrue(overflowsOnWasmThreads.get() >= 3, "StackOverflowErrors on threads that run wasm: " + overflowsOnWasmThreads);
            assertTrue(gcsOnWasmThreads.get() >= 3, "GCs started on threads that run wasm: " + gcsOnWasmThreads);
            // And the caller thread itself, after all that.
            assertEquals(expected, sumWithNulls(holders));
            assertEquals(14L, traps3.applyAsLong(7));
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    private static long expectedNulls() {
        return -2;
    }
}
