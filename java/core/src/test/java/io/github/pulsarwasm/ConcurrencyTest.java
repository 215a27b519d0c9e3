package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

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
    void theBindingMovesOnWhenItsThreadEnds() throws Exception {
        try (WasmFunction f = WasmFunction.fromBytes(MIX)) {
            for (int round = 0; round < 3; round++) {
                long base = round * 1000L;
                long[] wrong = new long[1];
                Thread worker = new Thread(() -> {
                    for (long i = base; i < base + 1000; i++) {
                        if (f.applyAsLong(i) != mix(i)) wrong[0]++;
                    }
                });
                worker.start();
                worker.join();
                assertEquals(0, wrong[0]);
                assertSame(worker, f.boundThread(), "the first caller after the bound thread ended binds");
            }
            assertEquals(mix(-1), f.applyAsLong(-1));
            assertSame(Thread.currentThread(), f.boundThread());
            // While the bound thread lives, others take the general path, with the same results.
            long[] wrong = new long[1];
            Thread other = new Thread(() -> {
                for (long i = 0; i < 1000; i++) {
                    if (f.applyAsLong(i) != mix(i)) wrong[0]++;
                }
            });
            other.start();
            other.join();
            assertEquals(0, wrong[0]);
            assertSame(Thread.currentThread(), f.boundThread(), "a live thread keeps its binding");
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
