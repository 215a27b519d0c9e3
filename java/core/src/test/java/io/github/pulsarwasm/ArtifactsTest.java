package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.pulsarwasm.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Precompiled artifacts from Java: beside resources and files, the cache directory, the command line. */
class ArtifactsTest {
    @TempDir
    Path dir;

    /** {@code apply(x) = x + n}; each test its own {@code n}, so no test reuses another's compiled module. */
    private static byte[] adder(int n) {
        return Wat.unary("local.get 0 i64.const " + n + " i64.add");
    }

    private Path module(String name, byte[] wasm) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, wasm);
        return file;
    }

    @Test
    void anArtifactBesideAFileOrResourceIsUsedAndAnswersTheSame() throws Exception {
        Path wasm = module("adder.wasm", adder(1000));
        Path artifact = WasmArtifacts.precompile(wasm, false, WasmArtifacts.DEFAULT_CPU);
        assertEquals("adder.wasm.linux-x86_64.artifact", artifact.getFileName().toString());
        try (WasmFunction f = WasmFunction.fromPath(wasm)) {
            assertEquals(WasmModuleInfo.Origin.ARTIFACT, f.info().origin(), f.info().toString());
            assertEquals("", f.info().artifactNote());
            assertEquals(1001L, f.apply(1L));
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
                WasmFunction f = WasmFunction.fromResource(loader, "adder.wasm")) {
            assertEquals(WasmModuleInfo.Origin.ARTIFACT, f.info().origin());
            assertEquals(1002L, f.apply(2L));
            assertTrue(f.info().toString().contains("loaded from its precompiled artifact"), f.info().toString());
        }
    }

    @Test
    void aDamagedOrForeignArtifactIsNeverLoadedAndTheModuleIsCompiled() throws Exception {
        Path wasm = module("adder.wasm", adder(1010));
        Path artifact = WasmArtifacts.precompile(wasm, false, WasmArtifacts.DEFAULT_CPU);
        byte[] good = Files.readAllBytes(artifact);

        byte[] damaged = good.clone();
        damaged[good.length / 3] ^= 0x01;
        Files.write(artifact, damaged);
        assertCompiled(wasm, 1011L, "damaged");

        Files.write(artifact, java.util.Arrays.copyOf(good, good.length - 40));
        assertCompiled(wasm, 1011L, "");

        // Another module's artifact, as after the .wasm was rebuilt but not precompiled again.
        Files.write(artifact, WasmArtifacts.precompile(adder(1020), false, "host"));
        assertCompiled(wasm, 1011L, "made from another module");

        // Made for functions with fuel; this one has none.
        Files.write(artifact, WasmArtifacts.precompile(Files.readAllBytes(wasm), true, "host"));
        assertCompiled(wasm, 1011L, "--fuel");
    }

    private static void assertCompiled(Path wasm, long expected, String because) {
        try (WasmFunction f = WasmFunction.fromPath(wasm)) {
            WasmModuleInfo info = f.info();
            assertEquals(WasmModuleInfo.Origin.COMPILED, info.origin());
            assertTrue(info.artifactNote().startsWith("the precompiled artifact was not used: "), info.artifactNote());
            assertTrue(info.artifactNote().contains(because), info.artifactNote());
            assertEquals(expected, f.apply(1L));
        }
    }

    @Test
    void aProcessorUsesAnArtifactGivenAsBytesAndTheCacheDirectory() throws Exception {
        byte[] wasm = Wat.bytes("""
                (module (memory (export "memory") 1)
                  (func (export "pulsar_abi_version_1")) (global $top (mut i32) (i32.const 1024))
                  (func (export "pulsar_alloc") (param i32) (result i32)
                    (local $p i32) (local.set $p (global.get $top))
                    (global.set $top (i32.add (global.get $top) (local.get 0))) (local.get $p))
                  (func (export "pulsar_process") (param i32 i32) (result i64)
                    (i64.or (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 32)) (i64.extend_i32_u (local.get 0))))
                  (func (export "unique_1030")))
                """);
        byte[] artifact = WasmArtifacts.precompile(wasm, false, "host");
        try (WasmProcessor p = WasmProcessor.builder().wasm(wasm).artifact(artifact).build()) {
            assertEquals(WasmModuleInfo.Origin.ARTIFACT, p.info().origin());
            assertArrayEquals("echo".getBytes(StandardCharsets.UTF_8), p.apply("echo".getBytes(StandardCharsets.UTF_8)));
        }
        Path cache = dir.resolve("cache");
        try (WasmProcessor p = WasmProcessor.builder().wasm(wasm).artifactCache(cache).build()) {
            assertEquals(WasmModuleInfo.Origin.COMPILED, p.info().origin());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        try (WasmProcessor p = WasmProcessor.builder().wasm(wasm).artifactCache(cache).build()) {
            assertEquals(WasmModuleInfo.Origin.CACHE, p.info().origin(), p.info().toString());
            assertArrayEquals(new byte[] {1, 2}, p.apply(new byte[] {1, 2}));
        }
    }

    @Test
    void theCommandLinePrecompilesAndDescribesArtifacts() throws Exception {
        Path wasm = module("cli.wasm", adder(1040));
        Path broken = module("broken.wasm", new byte[] {0, 'a', 's', 'm', 9});
        Result run = run("precompile", "--cpu", "x86-64-v2", wasm.toString());
        assertEquals(0, run.status, run.err);
        Path artifact = dir.resolve(WasmArtifacts.artifactName("cli.wasm"));
        assertTrue(run.out.startsWith(wasm + " -> " + artifact), run.out);
        assertTrue(Files.size(artifact) > 0);

        Result info = run("info", artifact.toString());
        assertEquals(0, info.status, info.err);
        assertTrue(info.out.contains("x86_64-unknown-linux-gnu [sse2 sse3 ssse3 sse41 sse42 popcnt], fuel no"), info.out);
        assertTrue(info.out.contains("loadable here"), info.out);

        Result failed = run("precompile", broken.toString(), wasm.toString());
        assertEquals(1, failed.status);
        assertTrue(failed.err.contains("precompile " + broken + ": "), failed.err);
        assertTrue(failed.out.contains(wasm.toString()), "the good file is still precompiled: " + failed.out);

        Result notArtifact = run("info", wasm.toString());
        assertEquals(1, notArtifact.status);
        assertTrue(notArtifact.err.contains("not an artifact made by pulsar-wasm"), notArtifact.err);

        assertEquals(2, run("precompile", "--cpu").status);
        assertEquals(2, run("precompile", "--frobnicate", wasm.toString()).status);
        assertEquals(2, run("transmogrify").status);
        Result badCpu = run("precompile", "--cpu", "pentium", wasm.toString());
        assertEquals(1, badCpu.status);
        assertTrue(badCpu.err.contains("unknown CPU `pentium`"), badCpu.err);
        assertFalse(run("help").out.isEmpty());
    }

    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void nullsAreRefusedClearly() {
        assertThrows(NullPointerException.class, () -> WasmArtifacts.precompile((byte[]) null, false, "host"));
        assertThrows(NullPointerException.class, () -> WasmArtifacts.describe(null));
        assertThrows(NullPointerException.class, () -> WasmProcessor.builder().artifact(null));
        assertThrows(NullPointerException.class, () -> WasmLoader.precompile(null, false, "host"));
        assertThrows(NullPointerException.class, () -> WasmLoader.precompile(adder(1050), false, null));
        assertThrows(NullPointerException.class, () -> WasmLoader.artifactInfo(null));
    }

    @Test
    void madeUpValuesFromThePackageGiveACompiledFunctionNotACrash() {
        byte[] garbage = new byte[64];
        java.util.Arrays.fill(garbage, (byte) 0x5a);
        // A cache "directory" that cannot exist: a NUL in its name.
        long handle = WasmLoader.load(adder(1060), "apply", 16, 16, 0, 0, null, null, garbage, "/tmp/no\0such");
        try {
            WasmModuleInfo info = WasmLoader.describeHandle(handle);
            assertEquals(WasmModuleInfo.Origin.COMPILED, info.origin());
            assertTrue(info.artifactNote().contains("not an artifact made by pulsar-wasm"), info.artifactNote());
            assertTrue(info.artifactNote().contains("artifact cache"), info.artifactNote());
            assertEquals(1061L, WasmLoader.invoke(handle, 1));
            assertTrue(info.artifactNote().contains("/tmp/no\\0such"), "a NUL is shown escaped: " + info.artifactNote());
        } finally {
            WasmLoader.unload(handle);
        }
        assertTrue(WasmLoader.artifactInfo(garbage).startsWith("\0"));
        // A footer whose text holds a NUL is described, escaped, not split in the wrong place.
        byte[] sealed = WasmArtifacts.precompile(adder(1070), false, "host");
        String footer = new String(sealed, sealed.length - 600, 600, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = sealed.length - 600 + footer.indexOf("wasmer ") + "wasmer ".length();
        sealed[at] = 0;
        String described = WasmArtifacts.describe(sealed);
        assertTrue(described.contains("wasmer \\0"), described);
        // An export whose name holds a NUL (valid WebAssembly) does not break info().
        try (WasmFunction f = WasmFunction.fromBytes(Wat.bytes(
                "(module (func (export \"apply\") (param i64) (result i64) local.get 0) (func (export \"odd\\00name\")))"))) {
            assertTrue(f.info().exports().contains("odd\\0name: func () -> ()"), f.info().exports().toString());
        }
    }
}
