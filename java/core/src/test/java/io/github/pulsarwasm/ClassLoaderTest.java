package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulsar's thread runtime loads each function's jar (and each new version of it) in its own
 * class loader. All of them must share one copy of the native library, and the exceptions it
 * throws must be the classes of the loader that called it.
 */
class ClassLoaderTest {
    /** The distinct library files (inodes) mapped into this process. */
    static Set<String> mappedLibraryCopies() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .map(line -> line.trim().split("\\s+", 6))
                .filter(f -> f.length == 6 && f[5].contains("libpulsar_wasm"))
                .map(f -> f[3] + ":" + f[4])
                .collect(Collectors.toSet());
    }

    static URLClassLoader isolatedLoader() {
        URL classes = WasmFunction.class.getProtectionDomain().getCodeSource().getLocation();
        return new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader());
    }

    @SuppressWarnings("unchecked")
    static Function<Long, Long> fromBytes(ClassLoader loader, byte[] wat) throws Exception {
        Method fromBytes = loader.loadClass(WasmFunction.class.getName()).getMethod("fromBytes", byte[].class);
        return (Function<Long, Long>) fromBytes.invoke(null, (Object) wat);
    }

    static long liveFunctions(ClassLoader loader) throws Exception {
        return (long) loader.loadClass(WasmLoader.class.getName()).getMethod("liveFunctions").invoke(null);
    }

    @Test
    void twentyClassLoadersShareOneLibraryAndThrowTheirOwnExceptions() throws Exception {
        assertEquals(42L, WasmFunction.fromBytes(Wat.PLUS1).apply(41L)); // loads it in this loader
        Set<String> copies = mappedLibraryCopies();
        assertEquals(1, copies.size(), "mapped: " + copies);
        List<URLClassLoader> loaders = new ArrayList<>();
        List<Function<Long, Long>> functions = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                URLClassLoader loader = isolatedLoader();
                loaders.add(loader);
                Class<?> type = loader.loadClass(WasmFunction.class.getName());
                assertNotSame(WasmFunction.class, type);
                Function<Long, Long> f = fromBytes(loader, Wat.TRAPS);
                functions.add(f);
                assertEquals(84L, f.apply(42L));
                RuntimeException e = assertThrows(RuntimeException.class, () -> f.apply(-1L));
                assertSame(loader.loadClass(WasmTrapException.class.getName()), e.getClass(),
                        "the trap exception belongs to the function's loader");
                InvocationTargetException bad = assertThrows(InvocationTargetException.class,
                        () -> fromBytes(loader, Wat.bytes("garbage")));
                assertSame(loader.loadClass(WasmCompileException.class.getName()), bad.getCause().getClass());
            }
            assertEquals(copies, mappedLibraryCopies(), "still the one library file, mapped once");
            // One library means one function table: every loader counts every loader's functions.
            long here = WasmLoader.liveFunctions();
            assertTrue(here >= 20, "functions loaded through 20 other loaders are counted here: " + here);
            assertEquals(here, liveFunctions(loaders.get(7)));
            String description = (String) loaders.get(3).loadClass(WasmLoader.class.getName())
                    .getMethod("nativeLibrary").invoke(null);
            assertTrue(description.contains("shared"), description);
        } finally {
            for (Function<Long, Long> f : functions) ((AutoCloseable) f).close();
            for (URLClassLoader loader : loaders) loader.close();
        }
    }

    /**
     * The override property works with any number of class loaders; a library of other content
     * (another version of the jar) gets a copy of its own, and both work side by side.
     */
    @Test
    void overrideAndASecondLibraryVersionWorkBesideTheFirst(@TempDir Path dir) throws Exception {
        assertEquals(2L, WasmFunction.fromBytes(Wat.PLUS1).apply(1L));
        Set<String> before = mappedLibraryCopies();
        Path resource = Path.of(WasmLoader.class.getResource(NativeLibrary.resourceName()).toURI());
        Path same = Files.copy(resource, dir.resolve("same.so"));
        Path other = Files.copy(resource, dir.resolve("other.so"));
        // Bytes after the end of an ELF file change its content but not its meaning: "another build".
        Files.write(other, new byte[] {'v', '2'}, StandardOpenOption.APPEND);
        List<URLClassLoader> loaders = new ArrayList<>();
        try {
            for (Path library : List.of(same, same, other, other, other)) {
                System.setProperty(NativeLibrary.PATH_PROPERTY, library.toString());
                try {
                    URLClassLoader loader = isolatedLoader();
                    loaders.add(loader);
                    Function<Long, Long> f = fromBytes(loader, Wat.PLUS1);
                    assertEquals(8L, f.apply(7L));
                    ((AutoCloseable) f).close();
                } finally {
                    System.clearProperty(NativeLibrary.PATH_PROPERTY);
                }
            }
            Set<String> after = mappedLibraryCopies();
            assertTrue(after.containsAll(before), "the first library stays: " + after);
            assertEquals(before.size() + 1, after.size(), "same content shares the loaded library; the other version adds one copy: " + after);
        } finally {
            for (URLClassLoader loader : loaders) loader.close();
        }
    }

    /** A function with a deadline, made through {@code loader}'s copy of the classes. */
    @SuppressWarnings("unchecked")
    static Function<Long, Long> withDeadline(ClassLoader loader, byte[] wat, Duration timeout) throws Exception {
        Class<?> limitsClass = loader.loadClass(WasmLimits.class.getName());
        Object limits = limitsClass.getMethod("defaults").invoke(null);
        limits = limitsClass.getMethod("withTimeout", Duration.class).invoke(limits, timeout);
        Method fromBytes = loader.loadClass(WasmFunction.class.getName())
                .getMethod("fromBytes", byte[].class, String.class, limitsClass);
        return (Function<Long, Long>) fromBytes.invoke(null, wat, "apply", limits);
    }

    /**
     * Two copies of the library (two versions of the jar) stop calls past their deadlines at the
     * same time, on threads of their own. Each copy's watchdog signals its own threads; the signal
     * must reach the wasmer of that copy (another copy's wasmer would abort the JVM on a signal it
     * did not send). A SIGUSR1 from outside, meanwhile, is dropped instead of ending the JVM.
     */
    @Test
    void twoLibraryCopiesEachStopTheirOwnCallsAndAStraySignalIsDropped(@TempDir Path dir) throws Exception {
        byte[] spin = SandboxTest.resource("testfns/Spin.wat");
        Function<Long, Long> here = withDeadline(getClass().getClassLoader(), spin, Duration.ofMillis(30));
        Path resource = Path.of(WasmLoader.class.getResource(NativeLibrary.resourceName()).toURI());
        Path other = Files.copy(resource, dir.resolve("deadline-v2.so"));
        Files.write(other, new byte[] {'d', '2'}, StandardOpenOption.APPEND);
        Set<String> before = mappedLibraryCopies();
        URLClassLoader loader;
        System.setProperty(NativeLibrary.PATH_PROPERTY, other.toString());
        try {
            loader = isolatedLoader();
            withDeadline(loader, spin, Duration.ofSeconds(1)).apply(3L);
        } finally {
            System.clearProperty(NativeLibrary.PATH_PROPERTY);
        }
        assertEquals(before.size() + 1, mappedLibraryCopies().size(), "a second copy of the library is loaded");
        Function<Long, Long> there = withDeadline(loader, spin, Duration.ofMillis(30));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> stopped = new ArrayList<>();
            for (Function<Long, Long> f : List.of(here, there, here, there)) {
                stopped.add(pool.submit(() -> {
                    int timeouts = 0;
                    for (int i = 0; i < 20; i++) {
                        try {
                            f.apply(0L);
                        } catch (RuntimeException e) {
                            assertEquals("WasmTimeoutException", e.getClass().getSimpleName(), e.toString());
                            timeouts++;
                        }
                        assertEquals(101L, f.apply(100L));
                    }
                    return timeouts;
                }));
            }
            // While both copies stop calls: a SIGUSR1 from outside the process.
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(ProcessHandle.current().pid())).start();
            assertEquals(0, kill.waitFor());
            for (Future<Integer> result : stopped) {
                assertEquals(20, result.get());
            }
            assertEquals(8L, here.apply(7L));
            assertEquals(8L, there.apply(7L));
        } finally {
            pool.shutdownNow();
            ((AutoCloseable) here).close();
            ((AutoCloseable) there).close();
            loader.close();
        }
    }

    /**
     * A function's class loader is collected (Pulsar does this when a function is updated or
     * stopped) while a thread that ran wasm through it lives on; then that thread runs a wasm
     * trap, a JVM null check and exits. Nothing is unloaded with the loader: the library stays
     * mapped for the other loaders, so its signal handler and thread-exit code stay valid.
     */
    @Test
    void threadsThatRanWasmOutliveTheirClassLoader() throws Exception {
        Set<String> copies = mappedLibraryCopies();
        CountDownLatch ranWasm = new CountDownLatch(1);
        CountDownLatch loaderGone = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        WeakReference<ClassLoader> collected = useWasmInThrowawayLoader(ranWasm, loaderGone, failure);
        ranWasm.await();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (collected.get() != null) {
            assertTrue(System.nanoTime() < deadline, "the throwaway class loader was not collected within 30 s");
            System.gc();
            Thread.sleep(10); // let the reference handler run; the loop waits for the condition
        }
        assertEquals(copies, mappedLibraryCopies(), "the library is still mapped, once");
        loaderGone.countDown(); // the thread now runs more wasm, a null check, and exits
        try (WasmFunction f = WasmFunction.fromBytes(Wat.TRAPS)) {
            assertThrows(WasmTrapException.class, () -> f.apply(-1L));
            assertEquals(6L, f.apply(3L));
        }
        joinWorker();
        if (failure[0] != null) throw new AssertionError("the worker failed", failure[0]);
    }

    private static Thread worker;

    /** A method of its own, so no frame of the worker holds the function once it returns. */
    private static void useAndClose(AtomicReference<Function<Long, Long>> handover) throws Exception {
        Function<Long, Long> f = handover.getAndSet(null);
        assertEquals(10L, f.apply(5L));
        assertThrows(RuntimeException.class, () -> f.apply(-1L));
        ((AutoCloseable) f).close();
    }

    private static void joinWorker() throws InterruptedException {
        worker.join();
    }

    private static WeakReference<ClassLoader> useWasmInThrowawayLoader(CountDownLatch ranWasm, CountDownLatch loaderGone,
            Throwable[] failure) throws Exception {
        URLClassLoader loader = isolatedLoader();
        // Handed over through a reference the worker clears, so that nothing keeps the loader.
        AtomicReference<Function<Long, Long>> handover = new AtomicReference<>(fromBytes(loader, Wat.TRAPS));
        byte[] traps = Wat.TRAPS;
        worker = new Thread(() -> {
            try {
                useAndClose(handover);
                ranWasm.countDown();
                loaderGone.await();
                // This thread's instance of the closed function is freed here, after its loader is gone.
                try (WasmFunction g = WasmFunction.fromBytes(traps)) {
                    assertThrows(WasmTrapException.class, () -> g.apply(1L));
                    assertEquals(8L, g.apply(4L));
                }
                Object nothing = null;
                assertThrows(NullPointerException.class, () -> nothing.hashCode());
            } catch (Throwable e) {
                failure[0] = e;
                ranWasm.countDown();
            }
        });
        worker.start();
        loader.close();
        return new WeakReference<>(loader);
    }
}
