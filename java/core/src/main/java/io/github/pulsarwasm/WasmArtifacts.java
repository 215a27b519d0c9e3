package io.github.pulsarwasm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Precompiled modules: a module's machine code, compiled ahead of time so that a worker loads a
 * function in milliseconds instead of compiling it (seconds for a Go module).
 *
 * <p>An artifact lives beside its module, named by {@link #artifactName}: {@code upper.wasm} and
 * {@code upper.wasm.linux-x86_64.artifact}, as resources in a function's jar or as files.
 * {@link WasmFunction} and {@link WasmProcessor} use it when it matches; the module is always
 * needed too. An artifact matches when it was made by this very build of the library, from the
 * same module, for this OS and architecture and CPU features this machine has, with the same
 * fuel metering ({@code fuel}: for functions with a fuel limit). Anything else (another build,
 * another module, a damaged or truncated file) is never loaded: the module is compiled, and a
 * warning says why. Memory, table and time limits do not shape the code: one artifact serves
 * them all.
 *
 * <p>Modules loaded from bytes can be served by an artifact cache directory, set with the
 * system property {@value #CACHE_PROPERTY} (or {@link WasmProcessor.Builder#artifactCache}):
 * the first load of a module compiles it and writes its artifact there, later loads (after a
 * restart, in another process) read it. The directory is created for this user alone, and one
 * that another user owns or may write is not used: artifacts are machine code.
 *
 * <p>Trust: the checks find stale, foreign and damaged artifacts, not forged ones. An artifact
 * is trusted as much as what ships it: one in a function's jar comes with that jar's Java
 * classes, which run unsandboxed anyway. Do not load artifacts from a source you would not take
 * Java code from.
 *
 * <p>Make artifacts with {@link #precompile(Path, boolean, String)}, or from the command line:
 * {@code java -jar pulsar-wasm.jar precompile [--fuel] [--cpu x86-64-v2|x86-64-v3|host] file.wasm...}.
 */
public final class WasmArtifacts {
    /** System property naming the artifact cache directory (unset: no cache). */
    public static final String CACHE_PROPERTY = "pulsar.wasm.artifactCache";

    /** The CPU artifacts are made for unless told: every x86-64 server of the last fifteen years. */
    public static final String DEFAULT_CPU = "x86-64-v2";

    private WasmArtifacts() {}

    /** The name of the artifact for module {@code wasmName} on this platform, e.g. {@code upper.wasm.linux-x86_64.artifact}. */
    public static String artifactName(String wasmName) {
        return Objects.requireNonNull(wasmName, "wasmName must not be null") + "." + NativeLibrary.platform() + ".artifact";
    }

    /**
     * Compiles a module (WebAssembly binary or WAT text) ahead of time.
     *
     * @param fuel compile fuel metering in: the artifact then serves functions with a fuel limit
     *     (and only those)
     * @param cpu {@code x86-64-v2} (SSE4.2, POPCNT), {@code x86-64-v3} (AVX2, BMI, FMA) or
     *     {@code host} (this machine's features: for artifacts used only where they are made)
     * @throws WasmCompileException if the module does not compile
     * @throws IllegalArgumentException for an unknown {@code cpu}
     */
    public static byte[] precompile(byte[] wasmOrWat, boolean fuel, String cpu) {
        Objects.requireNonNull(wasmOrWat, "wasmOrWat must not be null");
        Objects.requireNonNull(cpu, "cpu must not be null");
        return WasmLoader.precompile(wasmOrWat, fuel, cpu);
    }

    /**
     * Compiles the module file {@code wasm} ahead of time and writes its artifact beside it
     * (named by {@link #artifactName}), replacing any earlier one whole. Returns the artifact's path.
     */
    public static Path precompile(Path wasm, boolean fuel, String cpu) {
        byte[] artifact;
        try {
            artifact = precompile(WasmFunction.readFile(wasm), fuel, cpu);
        } catch (WasmCompileException e) {
            throw new WasmCompileException(wasm + ": " + e.getMessage(), e);
        }
        Path target = wasm.resolveSibling(artifactName(wasm.getFileName().toString()));
        try {
            Path temp = Files.createTempFile(target.toAbsolutePath().getParent(), ".precompile", ".tmp");
            try {
                Files.write(temp, artifact);
                // As readable as the module it sits beside (a temporary file is its owner's alone).
                try {
                    Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(wasm));
                } catch (UnsupportedOperationException e) {
                    // Not a POSIX file system: its defaults apply.
                }
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + target, e);
        }
        return target;
    }

    /**
     * What an artifact says about itself (the library build, wasmer version, target, CPU
     * features, fuel, module hash), and whether this library on this machine can load it.
     *
     * @throws IllegalArgumentException if the bytes are not an artifact, with the reason
     */
    public static String describe(byte[] artifact) {
        Objects.requireNonNull(artifact, "artifact must not be null");
        String[] parts = WasmLoader.artifactInfo(artifact).split("\0", 2);
        if (parts[0].isEmpty()) {
            throw new IllegalArgumentException("not a usable artifact: " + parts[1]);
        }
        return parts[0] + (parts[1].isEmpty() ? "; loadable here" : "; not loadable here: " + parts[1]);
    }
}
