package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fills the address space with instances until the next one does not fit, in a child JVM (a JVM
 * that runs out of address space may fail anywhere, so not this one): the call that needed the
 * instance gets a {@link WasmLimitException} naming the limit, and once functions are closed the
 * process creates instances again.
 */
class LimitsTest {
    /** The child: loads functions and calls each once on this thread until one fails. */
    public static void main(String[] args) {
        byte[] guest = Wat.bytes("(module (memory 1) (func (export \"apply\") (param i64) (result i64)"
                + " local.get 0 i64.const 1 i64.add))");
        List<WasmFunction> functions = new ArrayList<>();
        try {
            while (functions.size() < 1_000_000) {
                WasmFunction f = WasmFunction.fromBytes(guest);
                functions.add(f);
                if (f.applyAsLong(41) != 42) throw new AssertionError("wrong result");
            }
            System.out.println("NO LIMIT");
        } catch (WasmLimitException e) {
            long instances = WasmLoader.liveInstances();
            functions.forEach(WasmFunction::close);
            long after = WasmLoader.liveInstances();
            try (WasmFunction again = WasmFunction.fromBytes(guest)) {
                System.out.println("LIMIT instances=" + instances + " afterClose=" + after + " again=" + again.applyAsLong(1));
            }
            System.out.println("MESSAGE " + e.getMessage());
        }
    }

    @Test
    void runningOutOfAddressSpaceIsAWasmLimitExceptionAndTheJvmRecovers() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                LimitsTest.class.getName()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        assertEquals(0, child.exitValue(), output);
        String limit = output.lines().filter(l -> l.startsWith("LIMIT ")).findFirst().orElseThrow(() -> new AssertionError(output));
        String message = output.lines().filter(l -> l.startsWith("MESSAGE ")).findFirst().orElseThrow(() -> new AssertionError(output));
        System.out.println(limit + "\n" + message);
        long instances = Long.parseLong(limit.replaceAll(".*instances=(\\d+).*", "$1"));
        assertTrue(instances > 1_000, limit);
        assertTrue(limit.endsWith("afterClose=0 again=2"), limit);
        assertTrue(message.contains("address space"), message);
    }
}
