package io.github.pulsarwasm;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Signal stress (scripts/signal-stress.sh): trapping calls of every kind (unreachable, out of
 * bounds, division by zero, wasm stack overflow, out of fuel, past the deadline) on several
 * threads, each followed by a normal call whose result is checked, while other threads take
 * JIT-compiled implicit null checks (SIGSEGV), Java StackOverflowErrors and GC churn. Exits 0
 * and prints the counts when every outcome was the expected one; any other outcome exits 1,
 * and a crash ends the JVM.
 *
 * <p>Arguments: total trapping calls (default 1,000,000), trapping threads (default 3).
 */
public final class SignalStress {
    /** apply(x): -1 unreachable, 0 divide by zero, 1 out-of-bounds load, 2 stack overflow, 3 endless loop; else 2x. */
    static final String GUEST = """
            (module
              (memory 1)
              (func $recurse (param i64) (result i64)
                (i64.add (call $recurse (i64.add (local.get 0) (i64.const 1))) (i64.const 1)))
              (func (export "apply") (param $x i64) (result i64)
                (if (i64.eq (local.get $x) (i64.const -1)) (then unreachable))
                (if (i64.eqz (local.get $x)) (then (return (i64.div_s (i64.const 1) (local.get $x)))))
                (if (i64.eq (local.get $x) (i64.const 1)) (then (return (i64.load (i32.const 0x7fffffff)))))
                (if (i64.eq (local.get $x) (i64.const 2)) (then (return (call $recurse (local.get $x)))))
                (if (i64.eq (local.get $x) (i64.const 3)) (then (loop $forever (br $forever))))
                (i64.mul (local.get $x) (i64.const 2))))
            """;

    static final class Holder {
        long value;
    }

    static long sumWithNulls(Holder[] holders) {
        long sum = 0;
        for (Holder h : holders) {
            try {
                sum += h.value; // often null: an implicit null check in JIT-compiled code (SIGSEGV)
            } catch (NullPointerException e) {
                sum -= 1;
            }
        }
        return sum;
    }

    static int depth(int n) {
        return depth(n + 1) + 1;
    }

    public static void main(String[] args) throws Exception {
        long total = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        byte[] wat = GUEST.getBytes(StandardCharsets.UTF_8);
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong started = new AtomicLong();
        // How long past its 1 ms deadline each stopped call returned, in microseconds.
        java.util.concurrent.ConcurrentLinkedQueue<Long> overshoots = new java.util.concurrent.ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        long begin = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 3);
        try (WasmFunction plain = WasmFunction.fromBytes(wat, "apply", WasmLimits.defaults());
             WasmFunction fueled = WasmFunction.fromBytes(wat, "apply",
                     WasmLimits.defaults().withFuelPerCall(20_000).withoutTimeout());
             WasmFunction deadline = WasmFunction.fromBytes(wat, "apply",
                     WasmLimits.defaults().withTimeout(Duration.ofMillis(1)))) {
            List<Future<?>> trappers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                trappers.add(pool.submit(() -> {
                    for (long i; (i = started.getAndIncrement()) < total; ) {
                        // Every kind in turn; one in 500 is a deadline (each takes a millisecond).
                        WasmFunction f;
                        long x;
                        if (i % 500 == 499) {
                            f = deadline;
                            x = 3;
                        } else {
                            int kind = (int) (i % 5);
                            f = kind == 4 ? fueled : plain;
                            x = kind == 4 ? 3 : kind - 1;
                        }
                        long callStart = System.nanoTime();
                        try {
                            f.applyAsLong(x);
                            wrong.add("apply(" + x + ") returned");
                        } catch (WasmTrapException e) {
                            outcomes.computeIfAbsent(e.trapCode(), k -> new LongAdder()).increment();
                            if (f == deadline) overshoots.add((System.nanoTime() - callStart) / 1_000 - 1_000);
                        }
                        long y = 10 + (i & 0xffff);
                        long r = f.applyAsLong(y);
                        if (r != 2 * y) wrong.add("apply(" + y + ") = " + r);
                        outcomes.computeIfAbsent("normal calls checked", k -> new LongAdder()).increment();
                    }
                    return null;
                }));
            }
            Holder[] holders = new Holder[1000];
            for (int i = 0; i < holders.length; i += 2) {
                holders[i] = new Holder();
                holders[i].value = i;
            }
            long expected = 0;
            for (int i = 0; i < holders.length; i++) expected += holders[i] == null ? -1 : i;
            long nullSum = expected;
            Future<?> nulls = pool.submit(() -> {
                while (!stop.get()) {
                    if (sumWithNulls(holders) != nullSum) wrong.add("null checks summed wrong");
                    outcomes.computeIfAbsent("java null-check rounds", k -> new LongAdder()).increment();
                }
                return null;
            });
            Future<?> overflows = pool.submit(() -> {
                while (!stop.get()) {
                    try {
                        depth(0);
                    } catch (StackOverflowError e) {
                        outcomes.computeIfAbsent("java StackOverflowErrors", k -> new LongAdder()).increment();
                    }
                }
                return null;
            });
            Future<?> garbage = pool.submit(() -> {
                for (long i = 0; !stop.get(); i++) {
                    byte[][] junk = new byte[64][];
                    for (int j = 0; j < junk.length; j++) junk[j] = new byte[16 * 1024];
                    if (i % 2_000 == 0) {
                        System.gc();
                        outcomes.computeIfAbsent("explicit GCs", k -> new LongAdder()).increment();
                    }
                }
                return null;
            });
            for (Future<?> f : trappers) f.get();
            stop.set(true);
            nulls.get();
            overflows.get();
            garbage.get();
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((k, v) -> counts.put(k, v.sum()));
        long traps = counts.entrySet().stream().filter(e -> Character.isUpperCase(e.getKey().charAt(0)))
                .mapToLong(Map.Entry::getValue).sum();
        System.out.printf("%d trapping calls on %d threads in %.1f s, %s%n", traps, threads,
                (System.nanoTime() - begin) / 1e9, Runtime.version());
        counts.forEach((k, v) -> System.out.printf("  %-26s %,d%n", k, v));
        long[] late = overshoots.stream().mapToLong(Long::longValue).sorted().toArray();
        if (late.length > 0) {
            System.out.printf("  past the 1 ms deadline: median %.1f ms, p99 %.1f ms, max %.1f ms (%d calls)%n",
                    late[late.length / 2] / 1e3, late[(int) (late.length * 0.99)] / 1e3, late[late.length - 1] / 1e3,
                    late.length);
        }
        if (!wrong.isEmpty() || traps != total) {
            System.out.println("WRONG (" + wrong.size() + "): " + wrong.subList(0, Math.min(20, wrong.size())));
            System.exit(1);
        }
        System.out.println("every outcome as expected, no crash");
    }
}
