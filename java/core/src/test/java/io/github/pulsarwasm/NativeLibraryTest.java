package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the native library comes from, and what a user sees when it cannot be found. */
class NativeLibraryTest {
    @Test
    void platformNamesFollowTheJarLayout() {
        assertEquals("linux-x86_64", NativeLibrary.platform("Linux", "amd64"));
        assertEquals("linux-aarch64", NativeLibrary.platform("Linux", "aarch64"));
        assertEquals("macos-aarch64", NativeLibrary.platform("Mac OS X", "aarch64"));
        assertEquals("windows-x86_64", NativeLibrary.platform("Windows 11", "x86_64"));
        assertEquals("native/" + NativeLibrary.platform() + "/" + System.mapLibraryName("pulsar_wasm"),
                NativeLibrary.resourceName());
        // The build packaged a library for the platform the tests run on, wherever that is.
        assertTrue(WasmLoader.class.getResource(NativeLibrary.resourceName()) != null,
                "no library resource for " + NativeLibrary.platform());
    }

    @Test
    void missingLibraryNamesThePlatformAndWhatWasLookedFor(@TempDir Path dir) throws Exception {
        // The classes without the library, as on a platform the jar does not carry.
        Path classes = Path.of(WasmLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file) && file.toString().endsWith(".class")) {
                    Path copy = dir.resolve(classes.relativize(file).toString());
                    Files.createDirectories(copy.getParent());
                    Files.copy(file, copy);
                }
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> function = loader.loadClass(WasmFunction.class.getName());
            InvocationTargetException e = assertThrows(InvocationTargetException.class,
                    () -> function.getMethod("fromBytes", byte[].class).invoke(null, (Object) Wat.PLUS1));
            Throwable cause = e.getCause() instanceof ExceptionInInitializerError init ? init.getCause() : e.getCause();
            assertTrue(cause instanceof UnsatisfiedLinkError, "got " + cause);
            assertTrue(cause.getMessage().contains(NativeLibrary.platform()), cause.getMessage());
            assertTrue(cause.getMessage().contains("io/github/pulsarwasm/" + NativeLibrary.resourceName()), cause.getMessage());
            assertTrue(cause.getMessage().contains(NativeLibrary.PATH_PROPERTY), cause.getMessage());
        }
    }

    @Test
    void propertyNamingAMissingFileIsRefusedClearly(@TempDir Path dir) throws Exception {
        String missing = dir.resolve("nope.so").toString();
        System.setProperty(NativeLibrary.PATH_PROPERTY, missing);
        try {
            UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibrary.load(WasmLoader.class));
            assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("not a file"), e.getMessage());
        } finally {
            System.clearProperty(NativeLibrary.PATH_PROPERTY);
        }
    }
}
