package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    static final int THREADS = 8;
    static final int CALLS = 100_000;

    /** splitmix64's finaliser: a result that is wrong if any bit of any call goes astray. */
    static final byte[] MIX = Wat.unary("""
            local.get 0
            i64.const 0x9E3779B97F4A7C15 i64.add local.tee 0
            local.get 0 i64.const 30 i64.shr_u i64.xor i64.const 0xBF58476D1CE4E5B9 i64.mul local.tee 0
            local.get 0 i64.const 27 i64.shr_u i64.xor i64.const 0x94D049BB133111EB i64.mul local.tee 0
            local.get 0 i64.const 31 i64.shr_u i64.xor
            """);

    static long mix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Test
    void oneFunctionFromEightThreadsGivesExactlyTheRightResults() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (WasmFunction f = WasmFunction.fromBytes(MIX)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Long>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                long base = (long) t * CALLS;
                futures.add(pool.submit(() -> {
                    start.await();
                    long wrong = 0;
                    for (long i = base; i < base + CALLS; i++) {
                        Long expected = mix(i);
                        if (!expected.equals(f.apply(i))) wrong++;
                    }
                    return wrong;
                }));
            }
            start.countDown();
            long wrong = 0;
            for (Future<Long> future : futures) wrong += future.get();
            assertEquals(0, wrong, "wrong results out of " + THREADS * CALLS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingWhileOtherThreadsCallIsSafe() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                WasmFunction f = WasmFunction.fromBytes(MIX);
                CountDownLatch running = new CountDownLatch(4);
                List<Future<Long>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> {
                        running.countDown();
                        long ok = 0;
                        for (long i = 0; ; i++) {
                            try {
                                assertEquals(mix(i), f.applyAsLong(i));
                                ok++;
                            } catch (IllegalStateException closed) {
                                return ok;
                            }
                        }
                    }));
                }
                running.await();
                f.close();
                for (Future<Long> future : futures) future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
