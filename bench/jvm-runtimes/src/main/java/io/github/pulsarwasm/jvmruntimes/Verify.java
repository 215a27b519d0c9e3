package io.github.pulsarwasm.jvmruntimes;

/**
 * Runs every workload in every runtime once and checks that all answers are equal (and equal to
 * the expected one) before anything is timed. Exits 1 on any mismatch or failure.
 * Usage: Verify [RUNTIME...] (default all).
 */
public final class Verify {
    public static void main(String[] args) {
        Runtime[] runtimes = args.length == 0 ? Runtime.values() : new Runtime[args.length];
        for (int i = 0; i < args.length; i++) {
            runtimes[i] = Runtime.valueOf(args[i]);
        }
        boolean ok = true;
        for (Runtime r : runtimes) {
            if (r == Runtime.GRAALWASM) {
                // GraalGuest turns Truffle's fallback warning off, so check here that the
                // optimizing runtime is in use ("Interpreted" is the fallback runtime's name).
                try {
                    String impl = GraalGuest.implementation();
                    System.out.println("# polyglot implementation: " + impl);
                    if (impl.contains("Interpreted")) {
                        System.out.println("GRAALWASM would run on Truffle's fallback runtime (no JIT): "
                                + "start the JVM with run.sh's JVM_ARGS");
                        ok = false;
                    }
                } catch (Throwable t) {
                    System.out.println("# polyglot implementation: unavailable: " + t);
                    ok = false;
                }
            }
        }
        System.out.printf("%-12s", "workload");
        for (Runtime r : runtimes) {
            System.out.printf(" %22s", r);
        }
        System.out.println();
        for (Workload w : Workload.values()) {
            System.out.printf("%-12s", w);
            for (Runtime r : runtimes) {
                String cell;
                try (Guest g = r.open(w.bytes(), "apply")) {
                    long got = g.call(w.arg);
                    long again = g.call(w.arg);
                    cell = Long.toString(got);
                    if (got != w.expected || again != w.expected) {
                        cell += "!=" + w.expected;
                        ok = false;
                    }
                } catch (Throwable t) {
                    cell = "FAIL " + t.getClass().getSimpleName();
                    System.err.println(r + " " + w + ": " + t);
                    t.printStackTrace();
                    ok = false;
                }
                System.out.printf(" %22s", cell);
            }
            System.out.println();
        }
        System.out.println(ok ? "all answers equal" : "MISMATCH or failure");
        System.exit(ok ? 0 : 1);
    }
}
