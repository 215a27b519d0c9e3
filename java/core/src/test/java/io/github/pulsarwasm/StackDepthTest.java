package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Calls into wasm from a thread with almost no Java stack left. A thread recurses in Java and
 * calls a trapping guest at every level until the stack runs out: every trap must come back as a
 * {@link WasmTrapException} (or the recursion as a {@link StackOverflowError}), never crash the
 * JVM. Runs on JDK 17 and again on the Pulsar JDK (see pom.xml).
 */
class StackDepthTest {
    static final class Counts {
        long traps;
        long calls;
        int deepest;
    }

    /** At every level: one trapping call and one normal call, then deeper. */
    static void recurse(WasmFunction f, int depth, Counts counts) {
        try {
            f.applyAsLong(-1);
        } catch (WasmTrapException e) {
            counts.traps++;
        }
        assertEquals(2L * depth, f.applyAsLong(depth));
        counts.calls++;
        counts.deepest = Math.max(counts.deepest, depth);
        recurse(f, depth + 1, counts);
    }

    @Test
    void trapsAtEveryStackDepthEndInExceptions() throws Exception {
        Throwable[] failure = new Throwable[1];
        Counts counts = new Counts();
        // A small stack (256 KiB), so each round is short: about 4,800 levels.
        Thread thread = new Thread(null, () -> {
            try (WasmFunction f = WasmFunction.fromBytes(Wat.TRAPS)) {
                for (int round = 0; round < 20; round++) {
                    try {
                        recurse(f, 3, counts);
                    } catch (StackOverflowError expected) {
                        // the recursion ran out of stack, as it must
                    }
                }
                // The thread and the function still work after 20 overflows.
                assertEquals(14L, f.applyAsLong(7));
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "stack-depth", 256 * 1024);
        thread.start();
        thread.join();
        if (failure[0] != null) throw new AssertionError(failure[0]);
        assertTrue(counts.deepest > 100, "recursed " + counts.deepest + " levels");
        assertTrue(counts.traps >= counts.calls, "every level that returned trapped once first: " + counts.traps + " traps, " + counts.calls + " levels");
    }
}
