package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * Waits (up to 30 s) until {@code WasmLoader.liveInstances()} is back to {@code baseline}
     * or below. (Below: threads of earlier tests may still be exiting, freeing theirs.)
     */
    static void awaitLiveInstancesAtMost(long baseline) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        // An ended thread frees its instances as its OS thread exits, a moment after join() returns.
        while (WasmLoader.liveInstances() > baseline) {
            assertTrue(System.nanoTime() < deadline, "live instances stayed at " + WasmLoader.liveInstances()
                    + ", above the " + baseline + " there were before");
            Thread.sleep(5);
        }
    }

    @Test
    void manyFunctionsManyThreadsAndThreadChurnGiveExactResultsAndFreeEveryInstance() throws Exception {
        long before = WasmLoader.liveInstances();
        List<WasmFunction> functions = new ArrayList<>();
        for (int k = 1; k <= 6; k++) {
            functions.add(WasmFunction.fromBytes(Wat.unary("local.get 0 i64.const " + k + " i64.mul")));
        }
        try {
            for (int round = 0; round < 5; round++) {
                List<Thread> threads = new ArrayList<>();
                long[] wrong = new long[6];
                for (int t = 0; t < 6; t++) {
                    int slot = t;
                    long base = round * 1_000_000L + t * 10_000L;
                    threads.add(new Thread(() -> {
                        for (long i = base; i < base + 2_000; i++) {
                            for (int k = 1; k <= 6; k++) {
                                if (functions.get(k - 1).applyAsLong(i) != i * k) wrong[slot]++;
                            }
                        }
                    }));
                }
                threads.forEach(Thread::start);
                for (Thread thread : threads) thread.join();
                for (long w : wrong) assertEquals(0, w, "wrong results in round " + round);
                awaitLiveInstancesAtMost(before);
            }
        } finally {
            functions.forEach(WasmFunction::close);
        }
    }

    @Test
    void closingWhileOtherThreadsCallIsSafe() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                WasmFunction f = WasmFunction.fromBytes(MIX);
                CountDownLatch warmedUp = new CountDownLatch(4);
                List<Future<long[]>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> {
                        long ok = 0;
                        for (long i = 0; ; i++) {
                            try {
                                long result = f.applyAsLong(i);
                                if (result != mix(i)) return new long[] {ok, 1};
                                if (++ok == 100) warmedUp.countDown();
                            } catch (IllegalStateException closed) {
                                // After close every call is refused, never half-run.
                                try {
                                    f.applyAsLong(i);
                                    return new long[] {ok, 1};
                                } catch (IllegalStateException again) {
                                    return new long[] {ok, 0};
                                }
                            }
                        }
                    }));
                }
                warmedUp.await();
                f.close();
                for (Future<long[]> future : futures) {
                    long[] outcome = future.get();
                    assertTrue(outcome[0] >= 100, "calls succeeded before close: " + outcome[0]);
                    assertEquals(0, outcome[1], "a wrong result, or a call that ran after close");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
