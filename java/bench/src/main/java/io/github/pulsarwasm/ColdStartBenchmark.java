package io.github.pulsarwasm;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A function's cold start as a worker sees it: a {@link WasmProcessor} built from a resource in
 * a function jar (read and inflated from the jar, hashed, compiled or loaded from the precompiled
 * artifact packed beside it, checked) and closed, for the wordstats guests in Go, C++ and C.
 * Closing frees the module, so every operation starts cold.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 10)
@Fork(1)
public class ColdStartBenchmark {
    @Param({"wordstats_go", "wordstats_cpp", "wordstats_c"})
    String guest;

    @Param({"artifact", "compile"})
    String code;

    private Path jar;
    private URLClassLoader loader;

    @Setup(Level.Trial)
    public void packJar() throws IOException {
        byte[] wasm;
        try (InputStream in = ColdStartBenchmark.class.getResourceAsStream("/examples/" + guest + ".wasm")) {
            if (in == null) {
                throw new IllegalStateException("examples/" + guest + ".wasm is missing: run examples/build.sh");
            }
            wasm = in.readAllBytes();
        }
        jar = Files.createTempFile("cold-start-", ".jar");
        // Deflated, as Maven packs a function jar.
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new ZipEntry("guests/" + guest + ".wasm"));
            out.write(wasm);
            out.closeEntry();
            if (code.equals("artifact")) {
                out.putNextEntry(new ZipEntry("guests/" + WasmArtifacts.artifactName(guest + ".wasm")));
                out.write(WasmArtifacts.precompile(wasm, false, WasmArtifacts.DEFAULT_CPU));
                out.closeEntry();
            }
        }
        loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
    }

    @TearDown(Level.Trial)
    public void removeJar() throws IOException {
        loader.close();
        Files.deleteIfExists(jar);
    }

    @Benchmark
    public WasmModuleInfo.Origin loadFromJar() {
        try (WasmProcessor p = WasmProcessor.builder().resource(loader, "guests/" + guest + ".wasm").build()) {
            WasmModuleInfo.Origin origin = p.info().origin();
            if (origin != (code.equals("artifact") ? WasmModuleInfo.Origin.ARTIFACT : WasmModuleInfo.Origin.COMPILED)) {
                throw new IllegalStateException(guest + ": code from " + origin + ": " + p.info().artifactNote());
            }
            return origin;
        }
    }
}
