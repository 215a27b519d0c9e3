package io.github.pulsarwasm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.jar.JarEntry;
import java.util.zip.CRC32;

/**
 * Loads the native library once per JVM, however many class loaders load {@link WasmLoader}.
 *
 * <p>The library comes from the file named by the system property {@value #PATH_PROPERTY}, or
 * from the copy carried in the jar under {@code io/github/pulsarwasm/native/<os>-<arch>/}.
 *
 * <p>Pulsar's thread runtime gives every function, and every new version of it, its own class
 * loader, and the JVM refuses to load one library file from two class loaders. A copy per
 * loader would map the library (and install wasmer's signal handlers) once per deploy, for
 * ever. Instead, on Linux:
 * <ol>
 *   <li>the first loader writes the library to a private temporary directory (mode 0700) under a
 *       name that identifies its content, {@code libpulsar_wasm-<id>.so}, and loads it; the file
 *       stays until the JVM exits;
 *   <li>every later loader finds that file through {@code /proc/self/maps}, makes a hard link to
 *       it under a new name, loads the link and deletes it. The JVM sees a new path, so it
 *       accepts the load; the dynamic linker sees the same file (device and inode), so it returns
 *       the library it already mapped: one copy, one set of signal handlers, one engine table.
 * </ol>
 * A different build of the library (another version of this jar) has another content id, so
 * it gets a file and mapping of its own, and both versions work side by side.
 *
 * <p>Where {@code /proc/self/maps} is unavailable (not Linux), each loader extracts and loads a
 * copy of its own, as most JNI libraries do.
 */
final class NativeLibrary {
    static final String PATH_PROPERTY = "pulsar.wasm.library.path";
    static final String LIBRARY_NAME = "pulsar_wasm";
    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final String DIR_PREFIX = "pulsar-wasm-";

    /**
     * Serialises loading across every copy of this class in the JVM: a string literal is interned,
     * so all class loaders' copies of this class see the same object. Without it, two functions
     * starting at once could both miss the mapping and extract two copies.
     */
    private static final Object JVM_WIDE_LOCK = "io.github.pulsarwasm.NativeLibrary load lock";

    private NativeLibrary() {}

    static String platform() {
        return platform(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /** {@code <os>-<arch>} as the jar lays out its libraries, e.g. {@code linux-x86_64}. */
    static String platform(String osName, String osArch) {
        return os(osName) + "-" + arch(osArch);
    }

    static String resourceName() {
        return "native/" + platform() + "/" + System.mapLibraryName(LIBRARY_NAME);
    }

    /**
     * Loads the library into {@code owner}'s class loader ({@code System.load} binds a library to
     * the loader of the class that calls it, and this class shares {@code owner}'s loader).
     * Returns a description of what was loaded, for diagnostics.
     */
    static String load(Class<?> owner) {
        Source source = source(owner);
        synchronized (JVM_WIDE_LOCK) {
            if (!Files.isReadable(MAPS)) {
                return loadPrivateCopy(source);
            }
            Optional<Mapped> mapped = findMapped(source.fileName());
            if (mapped.isPresent()) {
                Optional<String> shared = loadShared(mapped.get());
                if (shared.isPresent()) {
                    return shared.get();
                }
                System.getLogger(NativeLibrary.class.getName()).log(System.Logger.Level.WARNING,
                        "could not share the pulsar-wasm native library already loaded from {0} (hard link refused);"
                                + " loading another copy for this class loader", mapped.get().path());
            }
            return loadFirst(source);
        }
    }

    /** Where the library comes from, and the file name that identifies its content. */
    private record Source(URL url, String description, String id) {
        String fileName() {
            return "lib" + LIBRARY_NAME + "-" + id + ".so";
        }

        /** Writes the library into a new temporary directory whose name starts with {@code prefix}. */
        Path extract(String prefix) throws IOException {
            Path file = Files.createTempDirectory(prefix).resolve(fileName());
            try (InputStream in = uncached(url).getInputStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return file;
        }
    }

    /** A connection that bypasses the JDK's jar cache, which would keep a replaced jar's old bytes. */
    private static URLConnection uncached(URL url) throws IOException {
        URLConnection connection = url.openConnection();
        connection.setUseCaches(false);
        return connection;
    }

    /** A file the dynamic linker has mapped in this process, with its inode. */
    private record Mapped(Path path, long inode) {}

    private static Source source(Class<?> owner) {
        String override = System.getProperty(PATH_PROPERTY);
        try {
            if (override != null && !override.isBlank()) {
                Path path = Path.of(override).toAbsolutePath();
                if (!Files.isRegularFile(path)) {
                    throw new UnsatisfiedLinkError("system property " + PATH_PROPERTY + " names " + path
                            + ", which is not a file");
                }
                URL url = path.toUri().toURL();
                return new Source(url, path + " (from -D" + PATH_PROPERTY + ")", contentId(url));
            }
            String resource = resourceName();
            URL url = owner.getResource(resource);
            if (url == null) {
                throw new UnsatisfiedLinkError("pulsar-wasm carries no native library for this platform, "
                        + platform() + " (os.name=" + System.getProperty("os.name") + ", os.arch="
                        + System.getProperty("os.arch") + "): looked for resource "
                        + owner.getPackageName().replace('.', '/') + "/" + resource + " in " + owner.getClassLoader()
                        + ". Build the library for this platform and point -D" + PATH_PROPERTY + " at it.");
            }
            return new Source(url, "jar resource " + resource, contentId(url));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the pulsar-wasm native library", e);
        }
    }

    /**
     * An id of the library's content: its size and CRC-32. From a jar both are read from the
     * jar's directory, with nothing to inflate; otherwise the bytes are read once. (Not a
     * defence against a forged library: whoever can put one in a function package can already
     * run code in the worker.)
     */
    private static String contentId(URL url) throws IOException {
        URLConnection connection = uncached(url);
        if (connection instanceof JarURLConnection jar) {
            JarEntry entry = jar.getJarEntry();
            if (entry.getCrc() != -1 && entry.getSize() != -1) {
                return id(entry.getSize(), entry.getCrc());
            }
        }
        CRC32 crc = new CRC32();
        long size = 0;
        try (InputStream in = connection.getInputStream()) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; size += n) {
                crc.update(buffer, 0, n);
            }
        }
        return id(size, crc.getValue());
    }

    private static String id(long size, long crc) {
        return String.format(Locale.ROOT, "%x-%08x", size, crc);
    }

    /** The library file already mapped in this process under {@code fileName}, if any. */
    private static Optional<Mapped> findMapped(String fileName) {
        List<String> lines;
        try {
            lines = Files.readAllLines(MAPS);
        } catch (IOException e) {
            return Optional.empty();
        }
        String suffix = "/" + fileName;
        for (String line : lines) {
            // address perms offset dev inode path
            String[] fields = line.trim().split("\\s+", 6);
            if (fields.length == 6 && fields[5].endsWith(suffix)) {
                return Optional.of(new Mapped(Path.of(fields[5]), Long.parseLong(fields[4])));
            }
        }
        return Optional.empty();
    }

    /**
     * Loads the mapped library through a hard link of its file; empty when the file is gone or
     * the link cannot be made (then the caller loads a copy of its own).
     */
    private static Optional<String> loadShared(Mapped mapped) {
        Path link = null;
        try {
            for (int attempt = 0; link == null; attempt++) {
                Path candidate = mapped.path().resolveSibling(
                        mapped.path().getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".so");
                try {
                    link = Files.createLink(candidate, mapped.path());
                } catch (FileAlreadyExistsException e) {
                    if (attempt > 8) throw e;
                }
            }
            // The link must name the very file that is mapped, or the dynamic linker would map a
            // second copy: check the inode (the link is in the same directory, so the same device).
            if (((Number) Files.getAttribute(link, "unix:ino")).longValue() != mapped.inode()) {
                return Optional.empty();
            }
            System.load(link.toString());
            return Optional.of(mapped.path() + " (shared: already loaded in this JVM by another class loader)");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        } finally {
            if (link != null) {
                try {
                    Files.deleteIfExists(link);
                } catch (IOException e) {
                    link.toFile().deleteOnExit();
                }
            }
        }
    }

    /** The first load in this JVM: a file that stays (for later loaders) until the JVM exits. */
    private static String loadFirst(Source source) {
        removeStaleDirectories();
        try {
            Path file = source.extract(DIR_PREFIX + ProcessHandle.current().pid() + "-");
            // Deleted in reverse order of registration: the file, then its directory.
            file.getParent().toFile().deleteOnExit();
            file.toFile().deleteOnExit();
            System.load(file.toString());
            return source.description() + ", loaded from " + file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract the pulsar-wasm native library " + source.description()
                    + " to a temporary file (java.io.tmpdir=" + System.getProperty("java.io.tmpdir") + ")", e);
        }
    }

    /** Without {@code /proc/self/maps}: a copy per class loader, deleted once mapped where possible. */
    private static String loadPrivateCopy(Source source) {
        try {
            Path file = source.extract(DIR_PREFIX);
            Path dir = file.getParent();
            System.load(file.toString());
            try {
                Files.delete(file);
                Files.delete(dir);
            } catch (IOException e) {
                // Windows cannot delete a loaded library; try at exit (directory last).
                dir.toFile().deleteOnExit();
                file.toFile().deleteOnExit();
            }
            return source.description() + ", copy for this class loader at " + file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract the pulsar-wasm native library " + source.description(), e);
        }
    }

    /**
     * Deletes the library directories of JVMs that died without running their exit hooks (killed),
     * so that a worker restarted many times does not fill the temporary directory.
     */
    private static void removeStaleDirectories() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, DIR_PREFIX + "*-*")) {
            for (Path dir : dirs) {
                String[] parts = dir.getFileName().toString().substring(DIR_PREFIX.length()).split("-", 2);
                long pid;
                try {
                    pid = Long.parseLong(parts[0]);
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).isEmpty() && Files.isDirectory(dir) && Files.isWritable(dir)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "lib" + LIBRARY_NAME + "-*")) {
                        for (Path file : files) {
                            Files.deleteIfExists(file);
                        }
                    }
                    Files.deleteIfExists(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Best effort: a directory we cannot read or delete is someone else's.
        }
    }

    private static String os(String osName) {
        String name = osName.toLowerCase(Locale.ROOT);
        if (name.startsWith("linux")) return "linux";
        if (name.startsWith("mac") || name.startsWith("darwin")) return "macos";
        if (name.startsWith("windows")) return "windows";
        return name.replaceAll("[^a-z0-9]+", "");
    }

    private static String arch(String osArch) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch.replaceAll("[^a-z0-9_]+", "");
        };
    }
}
