package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Pulsar's thread runtime loads each function's jar in its own class loader. The library must
 * load in each (the JVM refuses one library file in two loaders), and the exceptions it throws
 * must be the classes of the loader that called it.
 */
class ClassLoaderTest {
    @Test
    void libraryLoadsInTwoClassLoadersAndThrowsEachLoadersOwnExceptions() throws Exception {
        URL classes = WasmFunction.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader a = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
             URLClassLoader b = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> fa = a.loadClass(WasmFunction.class.getName());
            Class<?> fb = b.loadClass(WasmFunction.class.getName());
            assertNotSame(fa, fb);
            assertNotSame(WasmFunction.class, fa);

            for (Class<?> type : new Class<?>[] {fa, fb}) {
                Method fromBytes = type.getMethod("fromBytes", byte[].class);
                @SuppressWarnings("unchecked")
                Function<Long, Long> f = (Function<Long, Long>) fromBytes.invoke(null, (Object) Wat.TRAPS);
                assertEquals(84L, f.apply(42L));
                RuntimeException e = assertThrows(RuntimeException.class, () -> f.apply(-1L));
                Class<?> expected = type.getClassLoader().loadClass(WasmTrapException.class.getName());
                assertSame(expected, e.getClass(), "the trap exception belongs to the function's loader");
                ((AutoCloseable) f).close();
            }
            Method fromBytes = fa.getMethod("fromBytes", byte[].class);
            InvocationTargetException e = assertThrows(InvocationTargetException.class,
                    () -> fromBytes.invoke(null, (Object) Wat.bytes("garbage")));
            assertSame(a.loadClass(WasmCompileException.class.getName()), e.getCause().getClass());
        }
    }

    /**
     * When a function's class loader is collected the JVM unloads its copy of the library; that
     * copy's signal handler and thread-local destructors must stay valid for the signals and
     * thread exits that follow (the library is linked with -z nodelete for this).
     */
    @Test
    void jvmSurvivesAClassLoaderThatUsedWasmBeingCollected() throws Exception {
        WeakReference<ClassLoader> collected = useWasmInThrowawayLoader();
        for (int i = 0; i < 200 && collected.get() != null; i++) {
            System.gc();
            Thread.sleep(10); // give the reference handler and cleaner threads a turn
        }
        assertNull(collected.get(), "the throwaway class loader was collected");
        // Signals and thread exits after the unload: a JVM null check, a wasm trap, a thread end.
        Thread worker = new Thread(() -> {
            try (WasmFunction f = WasmFunction.fromBytes(Wat.TRAPS)) {
                assertThrows(WasmTrapException.class, () -> f.apply(-1L));
                assertThrows(WasmTrapException.class, () -> f.apply(1L));
                assertEquals(6L, f.apply(3L));
            }
            Object nothing = null;
            assertThrows(NullPointerException.class, () -> nothing.hashCode());
        });
        worker.start();
        worker.join();
    }

    private static WeakReference<ClassLoader> useWasmInThrowawayLoader() throws Exception {
        URL classes = WasmFunction.class.getProtectionDomain().getCodeSource().getLocation();
        URLClassLoader loader = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
        Thread user = new Thread(() -> {
            try {
                Method fromBytes = loader.loadClass(WasmFunction.class.getName()).getMethod("fromBytes", byte[].class);
                @SuppressWarnings("unchecked")
                Function<Long, Long> f = (Function<Long, Long>) fromBytes.invoke(null, (Object) Wat.TRAPS);
                assertEquals(10L, f.apply(5L));
                assertThrows(RuntimeException.class, () -> f.apply(-1L));
                ((AutoCloseable) f).close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        user.start(); // this thread ran wasm from the loader's copy, then exits
        user.join();
        loader.close();
        return new WeakReference<>(loader);
    }
}
