package io.github.pulsarwasm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Finds the native library: the file named by the system property {@value #PATH_PROPERTY},
 * or the copy carried in the jar under {@code io/github/pulsarwasm/native/<os>-<arch>/}.
 *
 * <p>The jar's copy is extracted to a fresh temporary directory each time a class loader loads
 * {@link WasmLoader}: the JVM refuses to load one library file from two class loaders, and
 * Pulsar's thread runtime gives every function its own class loader.
 */
final class NativeLibrary {
    static final String PATH_PROPERTY = "pulsar.wasm.library.path";
    static final String LIBRARY_NAME = "pulsar_wasm";

    private NativeLibrary() {}

    /** A library file ready for {@code System.load}. */
    record Located(Path path, boolean temporary, String description) {
        /** Call once {@code System.load} has mapped the file. */
        void loaded() {
            if (temporary && !isWindows()) {
                // The mapping outlives the file on Unix: delete now, so nothing is left behind even
                // if the JVM is killed.
                try {
                    Files.deleteIfExists(path);
                    Files.deleteIfExists(path.getParent());
                } catch (IOException e) {
                    path.toFile().deleteOnExit();
                    path.getParent().toFile().deleteOnExit();
                }
            }
        }
    }

    static String platform() {
        return os() + "-" + arch();
    }

    static String resourceName() {
        return "native/" + platform() + "/" + System.mapLibraryName(LIBRARY_NAME);
    }

    static Located locate(Class<?> owner) {
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(path)) {
                throw new UnsatisfiedLinkError("system property " + PATH_PROPERTY + " names " + path
                        + ", which is not a file");
            }
            return new Located(path, false, path + " (from -D" + PATH_PROPERTY + ")");
        }
        String resource = resourceName();
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("pulsar-wasm carries no native library for this platform, "
                        + platform() + " (os.name=" + System.getProperty("os.name") + ", os.arch="
                        + System.getProperty("os.arch") + "): looked for resource "
                        + owner.getPackageName().replace('.', '/') + "/" + resource + " in " + owner.getClassLoader()
                        + ". Build the library for this platform and point -D" + PATH_PROPERTY + " at it.");
            }
            Path dir = Files.createTempDirectory("pulsar-wasm-");
            Path file = dir.resolve(System.mapLibraryName(LIBRARY_NAME));
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            if (isWindows()) {
                // Windows cannot delete a loaded library; try at exit (parent last).
                dir.toFile().deleteOnExit();
                file.toFile().deleteOnExit();
            }
            return new Located(file, true, "jar resource " + resource + " extracted to " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract the pulsar-wasm native library " + resource
                    + " to a temporary file (java.io.tmpdir=" + System.getProperty("java.io.tmpdir") + ")", e);
        }
    }

    private static boolean isWindows() {
        return os().equals("windows");
    }

    private static String os() {
        String name = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (name.startsWith("linux")) return "linux";
        if (name.startsWith("mac") || name.startsWith("darwin")) return "macos";
        if (name.startsWith("windows")) return "windows";
        return name.replaceAll("[^a-z0-9]+", "");
    }

    private static String arch() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch.replaceAll("[^a-z0-9_]+", "");
        };
    }
}
