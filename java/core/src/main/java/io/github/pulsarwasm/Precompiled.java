package io.github.pulsarwasm;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Where a module's machine code may come from besides the compiler: an artifact found beside the
 * module (see {@link WasmArtifacts}), and the artifact cache directory. Either may be null.
 */
record Precompiled(byte[] artifact, Path cacheDirectory) {
    /** No artifact; the cache directory of {@link WasmArtifacts#CACHE_PROPERTY}, if set. */
    static Precompiled none() {
        String cache = System.getProperty(WasmArtifacts.CACHE_PROPERTY, "");
        return new Precompiled(null, cache.isBlank() ? null : Path.of(cache));
    }

    /** The artifact resource beside resource {@code name}, found with {@code lookup}; null if there is none. */
    static byte[] artifactResource(Function<String, URL> lookup, String name) {
        URL url = lookup.apply(WasmArtifacts.artifactName(name));
        return url == null ? null : WasmFunction.read(url);
    }

    /** The artifact file beside module file {@code path}; null if there is none. */
    static byte[] artifactFile(Path path) {
        Path artifact = path.resolveSibling(WasmArtifacts.artifactName(path.getFileName().toString()));
        return Files.isRegularFile(artifact) ? WasmFunction.readFile(artifact) : null;
    }

    Precompiled withArtifact(byte[] artifact) {
        return new Precompiled(artifact, cacheDirectory);
    }

    Precompiled withCacheDirectory(Path directory) {
        return new Precompiled(artifact, directory);
    }
}
