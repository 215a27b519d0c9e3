package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.pulsarwasm.testfns.Missing;
import io.github.pulsarwasm.testfns.Plus1;
import io.github.pulsarwasm.testfns.Times3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WasmFunctionTest {
    @Test
    void fromBytesRunsWatText() {
        try (WasmFunction f = WasmFunction.fromBytes(Wat.PLUS1)) {
            assertEquals(42L, f.apply(41L));
            assertEquals(Long.MIN_VALUE, f.applyAsLong(Long.MAX_VALUE), "i64 arithmetic wraps");
        }
    }

    @Test
    void subclassConventionLoadsTheResourceBesideTheClass() throws Exception {
        Function<Long, Long> f = Plus1.class.getConstructor().newInstance();
        assertEquals(8L, f.apply(7L));
        ((AutoCloseable) f).close();
    }

    @Test
    void subclassCanNameResourceAndExport() {
        try (Times3 f = new Times3()) {
            assertEquals(-9L, f.apply(-3L));
        }
    }

    @Test
    void subclassWithoutResourceSaysWhatItLookedFor() {
        WasmException e = assertThrows(WasmException.class, Missing::new);
        assertTrue(e.getMessage().contains("io/github/pulsarwasm/testfns/Missing.wasm"), e.getMessage());
    }

    @Test
    void fromResourceAndFromPathWithExport(@TempDir Path dir) throws Exception {
        ClassLoader loader = getClass().getClassLoader();
        try (WasmFunction f = WasmFunction.fromResource(loader, "io/github/pulsarwasm/testfns/math.wat", "times3")) {
            assertEquals(30L, f.apply(10L));
        }
        Path file = dir.resolve("plus1.wat");
        Files.write(file, Wat.PLUS1);
        try (WasmFunction f = WasmFunction.fromPath(file)) {
            assertEquals(1L, f.apply(0L));
        }
        WasmException e = assertThrows(WasmException.class, () -> WasmFunction.fromResource(loader, "nope/none.wasm"));
        assertTrue(e.getMessage().contains("nope/none.wasm"), e.getMessage());
    }

    @Test
    void infoDescribesTheModule() {
        try (WasmFunction f = WasmFunction.fromBytes(Wat.PLUS1)) {
            WasmModuleInfo info = f.info();
            assertEquals(64, info.sha256().length());
            assertTrue(info.sizeBytes() > 8);
            assertEquals("apply", info.export());
            assertEquals(java.util.List.of("apply: func (i64) -> (i64)"), info.exports());
        }
    }

    @Test
    void sameBytesShareOneCompiledModule() {
        try (WasmFunction a = WasmFunction.fromBytes(Wat.unary("local.get 0 i64.const 77 i64.xor"));
             WasmFunction b = WasmFunction.fromBytes(Wat.unary("local.get 0 i64.const 77 i64.xor"))) {
            assertEquals(a.info().sha256(), b.info().sha256());
            assertEquals(a.info().loadTime(), b.info().loadTime(), "the second load reuses the first compilation");
            assertEquals(77L ^ 5L, b.apply(5L));
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsRefused() {
        WasmFunction f = WasmFunction.fromBytes(Wat.PLUS1);
        f.close();
        f.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.apply(1L));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, f::info);
    }

    @Test
    void closedHandleIsNotConfusedWithItsSlotsNextUser() {
        WasmFunction first = WasmFunction.fromBytes(Wat.PLUS1);
        first.close();
        try (WasmFunction second = WasmFunction.fromBytes(Wat.unary("local.get 0 i64.const 100 i64.add"))) {
            assertThrows(IllegalStateException.class, () -> first.apply(1L));
            assertEquals(101L, second.apply(1L));
        }
    }

    @Test
    void forgedHandlesAreRejectedNotDereferenced() {
        // A live handle has an odd generation in its high 32 bits: none of these can ever be live,
        // whatever other tests load meanwhile.
        for (long handle : new long[] {0L, 12345L, 2L << 32, (4L << 32) | 7, 0xffff_fffe_ffff_ffffL}) {
            assertThrows(IllegalStateException.class, () -> WasmLoader.invoke(handle, 1L));
            assertThrows(IllegalStateException.class, () -> WasmLoader.describeHandle(handle));
            assertFalse(WasmLoader.unload(handle));
        }
    }

    @Test
    void andThenComposeAndLongUnaryOperatorTakeLambdas() {
        try (WasmFunction f = WasmFunction.fromBytes(Wat.PLUS1)) {
            Function<Long, Long> times10 = f.andThen(v -> v * 10);
            Function<Long, Long> plus1First = f.compose(v -> v * 10);
            assertEquals(50L, times10.apply(4L));
            assertEquals(41L, plus1First.apply(4L));
            assertEquals(10L, f.asLongUnaryOperator().andThen(v -> v * 2).applyAsLong(4L));
        }
    }

    @Test
    void rethrownLoadErrorsKeepTheNativeExceptionAsCause() {
        WasmCompileException e = assertThrows(WasmCompileException.class, () -> WasmFunction.fromBytes(Wat.bytes("garbage")));
        assertTrue(e.getMessage().startsWith("bytes: "), e.getMessage());
        assertTrue(e.getCause() instanceof WasmCompileException, "cause: " + e.getCause());
        WasmLinkException link = assertThrows(WasmLinkException.class, () -> WasmFunction.fromBytes(Wat.PLUS1, "nope"));
        assertTrue(link.getCause() instanceof WasmLinkException, "cause: " + link.getCause());
    }

    @Test
    void theCleanerFreesAForgottenFunction() throws Exception {
        long handle = forgottenFunctionHandle();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (isLive(handle)) {
            assertTrue(System.nanoTime() < deadline, "a forgotten function was not freed within 30 s of GCs");
            System.gc();
            Thread.sleep(20); // let the Cleaner thread run between GCs; the loop waits for the condition
        }
        assertFalse(WasmLoader.unload(handle), "already freed by the Cleaner");
    }

    private static long forgottenFunctionHandle() throws Exception {
        WasmFunction f = WasmFunction.fromBytes(Wat.unary("local.get 0 i64.const 31 i64.add"));
        assertEquals(32L, f.apply(1L));
        java.lang.reflect.Field field = WasmFunction.class.getDeclaredField("handle");
        field.setAccessible(true);
        long handle = field.getLong(f);
        assertTrue(isLive(handle));
        return handle;
    }

    private static boolean isLive(long handle) {
        try {
            WasmLoader.describeHandle(handle);
            return true;
        } catch (IllegalStateException closed) {
            return false;
        }
    }

    @Test
    void nullInputIsANullPointerExceptionThatSaysSo() {
        try (WasmFunction f = WasmFunction.fromBytes(Wat.PLUS1)) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> f.apply(null));
            assertTrue(e.getMessage().contains("must not be null"), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> WasmFunction.fromBytes(null));
        assertThrows(NullPointerException.class, () -> WasmFunction.fromBytes(Wat.PLUS1, null));
        NullPointerException e = assertThrows(NullPointerException.class, () -> WasmLoader.load(null, "apply", 16, 16, 0, 0, null, null, null, null));
        assertTrue(e.getMessage().contains("must not be null"), e.getMessage());
    }

    @Test
    void nativeLibraryCameFromTheJarOrTheOverride() {
        assertTrue(WasmLoader.nativeLibrary().contains("libpulsar_wasm"), WasmLoader.nativeLibrary());
    }
}
