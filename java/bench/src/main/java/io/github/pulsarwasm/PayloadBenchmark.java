package io.github.pulsarwasm;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Payloads and host calls (ABI v1), in the same run as the {@code i64} call they are judged
 * against: a bytes identity map of 100 B, 1 KiB and 64 KiB; a guest that calls a Java
 * {@code long -> long} host function once beside the same guest computing it inline; a bytes
 * host function; a record that makes five Context effects.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PayloadBenchmark {
    private static byte[] wat(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static final String V1 = """
            (memory (export "memory") 2)
            (global $heap (mut i32) (i32.const 65536))
            (func (export "pulsar_abi_version_1"))
            (func (export "pulsar_alloc") (param $size i32) (result i32)
              (local $ptr i32)
              (local.set $ptr (global.get $heap))
              (global.set $heap (i32.add (global.get $heap) (local.get $size)))
              (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
                (then (drop (memory.grow (i32.add (i32.div_u (i32.sub (global.get $heap)
                    (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))))))
              (local.get $ptr))
            (func $out (param $ptr i32) (param $len i32) (result i64)
              (i64.or (i64.shl (i64.extend_i32_u (local.get $len)) (i64.const 32)) (i64.extend_i32_u (local.get $ptr))))
            """;

    private static final byte[] PLUS1 = wat("(module (func (export \"apply\") (param i64) (result i64)"
            + " local.get 0 i64.const 1 i64.add))");
    private static final byte[] HOST_PLUS1 = wat("""
            (module (import "pulsar_user" "plus1" (func $plus1 (param i64) (result i64)))
              (func (export "apply") (param i64) (result i64) (call $plus1 (local.get 0))))""");
    private static final byte[] IDENTITY = wat("(module " + V1 + """
              (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64) (call $out (local.get $p) (local.get $n))))""");
    private static final byte[] BYTES_HOST = wat("(module (import \"pulsar_user\" \"lookup\" (func $lookup (param i32 i32 i32 i32) (result i32)))"
            + V1 + """
              (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64)
                (call $out (i32.const 1024) (call $lookup (local.get $p) (local.get $n) (i32.const 1024) (i32.const 4096)))))""");
    private static final byte[] FIVE_EFFECTS = wat("""
            (module
              (import "pulsar_v1" "log" (func $log (param i32 i32 i32) (result i32)))
              (import "pulsar_v1" "metric" (func $metric (param i32 i32 f64) (result i32)))
              (import "pulsar_v1" "counter_incr" (func $counter_incr (param i32 i32 i64) (result i32)))
              (import "pulsar_v1" "state_put" (func $state_put (param i32 i32 i32 i32) (result i32)))
              (import "pulsar_v1" "publish" (func $publish (param i32 i32 i32 i32 i32) (result i32)))
              (data (i32.const 1024) "processed a recordlatencycountkeyside")
            """ + V1 + """
              (func (export "pulsar_process") (param $p i32) (param $n i32) (result i64)
                (drop (call $log (i32.const 2) (i32.const 1024) (i32.const 18)))
                (drop (call $metric (i32.const 1042) (i32.const 7) (f64.const 1.5)))
                (drop (call $counter_incr (i32.const 1049) (i32.const 5) (i64.const 1)))
                (drop (call $state_put (i32.const 1054) (i32.const 3) (local.get $p) (local.get $n)))
                (drop (call $publish (i32.const 1057) (i32.const 4) (local.get $p) (local.get $n) (i32.const 0)))
                (call $out (local.get $p) (local.get $n))))""");

    /** Takes every effect and does nothing with it: the benchmark measures the crossing. */
    static final class Discard implements WasmContext {
        @Override public void log(int level, String message) {}
        @Override public void putState(String key, byte[] value) {}
        @Override public void incrCounter(String key, long delta) {}
        @Override public CompletableFuture<?> publish(String topic, WasmOutputRecord record) { return null; }
    }

    /** The payload of the identity benchmarks, in three sizes. */
    @State(Scope.Thread)
    public static class Payload {
        @Param({"100", "1024", "65536"})
        int size;

        byte[] bytes;

        @Setup
        public void setUp() {
            bytes = new byte[size];
            for (int i = 0; i < size; i++) bytes[i] = (byte) i;
        }
    }

    long input = 27;
    byte[] small;
    WasmRecord record;
    WasmFunction plus1;
    WasmFunction hostPlus1;
    WasmProcessor identity;
    long identityHandle;
    final byte[] reply = new byte[1 << 17];
    WasmProcessor bytesHost;
    WasmProcessor fiveEffects;
    final WasmContext discard = new Discard();

    @Setup
    public void setUp() {
        small = new byte[100];
        record = WasmRecord.of(small);
        plus1 = WasmFunction.fromBytes(PLUS1);
        hostPlus1 = WasmFunction.fromBytes(HOST_PLUS1, "apply", WasmLimits.defaults(),
                WasmHostFunctions.builder().longFunction("plus1", x -> x + 1).build());
        identity = WasmProcessor.builder().wasm(IDENTITY).build();
        identityHandle = WasmLoader.load(IDENTITY, null, WasmLimits.DEFAULT_MAX_MEMORY_PAGES, WasmLimits.DEFAULT_MAX_TABLE_ELEMENTS,
                0, WasmLimits.DEFAULT_TIMEOUT.toNanos(), null, null, null, null);
        bytesHost = WasmProcessor.builder().wasm(BYTES_HOST)
                .hostFunctions(WasmHostFunctions.builder().bytesFunction("lookup", in -> in).build()).build();
        fiveEffects = WasmProcessor.builder().wasm(FIVE_EFFECTS).grantState(true).grantPublish(List.of("side")).build();
    }

    @TearDown
    public void tearDown() {
        WasmLoader.unload(identityHandle);
        for (AutoCloseable c : new AutoCloseable[] {plus1, hostPlus1, identity, bytesHost, fiveEffects}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The baseline: the {@code i64} call of a guest that computes x + 1. */
    @Benchmark
    public long i64Call() {
        return plus1.applyAsLong(input);
    }

    /** The same guest, getting x + 1 from a Java host function. */
    @Benchmark
    public long i64CallWithScalarHostCall() {
        return hostPlus1.applyAsLong(input);
    }

    /** The upcall's target: the shape of {@code HostBridge.callLong}. */
    static final class UpcallTarget {
        long callLong(int index, long a, long b) {
            return a + 1;
        }
    }

    final UpcallTarget upcallTarget = new UpcallTarget();

    /**
     * The floor under {@link #i64CallWithScalarHostCall}: a bare JNI upcall of the same
     * signature from native code, looped inside one native call (no wasm, no work of ours).
     * Needs the bench-natives library (scripts/bench.sh).
     */
    @Benchmark
    @OperationsPerInvocation(1000)
    public long jniUpcallFloor() {
        return NativeBench.upcallLoopNanos(upcallTarget, 1000);
    }

    @Benchmark
    public byte[] bytesIdentity(Payload payload) {
        return identity.apply(payload.bytes);
    }

    /** The same, without WasmProcessor: the native method alone (JNI, copies, the guest). */
    @Benchmark
    public byte[] bytesIdentityNativeOnly(Payload payload) {
        byte[] own = WasmLoader.process(identityHandle, payload.bytes, payload.bytes.length, reply, reply.length);
        return own != null ? own : reply;
    }

    /** 100 bytes through a Java {@code byte[] -> byte[]} host function and back. */
    @Benchmark
    public byte[] bytesHostFunction100() {
        return bytesHost.apply(small);
    }

    /** A 100-byte record that logs, records a metric, counts, puts state and publishes. */
    @Benchmark
    public WasmOutputRecord recordWithFiveEffects100() {
        return fiveEffects.process(record, discard);
    }
}
