package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Virtual threads (Java 21+; this class runs only in the test run on the Pulsar JDK, see
 * pom.xml). A virtual thread runs on whichever carrier thread is free and may move at every
 * {@code yield}, while the native side keeps one instance per carrier (OS) thread: every
 * virtual thread must get the right results on whichever carrier it runs.
 */
class VirtualThreadsTest {
    @Test
    void virtualThreadsMovingBetweenCarriersGetTheRightResults() throws Exception {
        // Reflection, because the library's code (and so this test) compiles for Java 17.
        ExecutorService pool = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        long before = WasmLoader.liveInstances();
        try (WasmFunction f = WasmFunction.fromBytes(ConcurrencyTest.MIX)) {
            List<Future<Long>> futures = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                long base = t * 10_000L;
                futures.add(pool.submit(() -> {
                    long wrong = 0;
                    for (long i = base; i < base + 10_000; i++) {
                        if (f.applyAsLong(i) != ConcurrencyTest.mix(i)) wrong++;
                        if (i % 50 == 0) Thread.yield(); // lets the thread move to another carrier
                    }
                    return wrong;
                }));
            }
            long wrong = 0;
            for (Future<Long> future : futures) wrong += future.get();
            assertEquals(0, wrong, "wrong results out of 640000");
            // One instance per carrier thread, not one per virtual thread (that would be 64).
            long instances = WasmLoader.liveInstances() - before;
            int carriers = Runtime.getRuntime().availableProcessors();
            assertTrue(instances < 64 || carriers >= 64, instances + " new instances on " + carriers + " cores");
        } finally {
            pool.shutdownNow();
        }
    }
}
