package io.github.pulsarwasm.jvmruntimes;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import io.github.pulsarwasm.WasmArtifacts;
import io.github.pulsarwasm.WasmFunction;
import io.github.pulsarwasm.WasmLimits;
import io.github.pulsarwasm.WasmModuleInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/** The runtimes compared. {@link #open} goes from wasm bytes to a callable export, all the way. */
public enum Runtime {
    /** This library: wasmer 7.4 with Cranelift, through JNI. Default limits (10 s deadline per call). */
    PULSAR_WASM {
        @Override
        public Guest open(byte[] wasm, String export) {
            WasmFunction f = WasmFunction.fromBytes(wasm, export, WasmLimits.defaults());
            return new Guest() {
                public long call(long x) { return f.applyAsLong(x); }
                public void close() { f.close(); }
            };
        }
    },
    /**
     * This library with the module's precompiled artifact beside it (see {@link #prepare}): no
     * compile, the machine code loaded after its checks. Cold start only.
     */
    PULSAR_WASM_PRECOMPILED {
        @Override
        public Guest open(byte[] wasm, String export) {
            WasmFunction f = WasmFunction.fromPath(prepare(wasm), export, WasmLimits.defaults());
            if (f.info().origin() != WasmModuleInfo.Origin.ARTIFACT) {
                throw new IllegalStateException("not loaded from its artifact: " + f.info().artifactNote());
            }
            return new Guest() {
                public long call(long x) { return f.applyAsLong(x); }
                public void close() { f.close(); }
            };
        }
    },
    /** Chicory's interpreter (com.dylibso.chicory:runtime). */
    CHICORY_INTERPRETER {
        @Override
        public Guest open(byte[] wasm, String export) {
            WasmModule module = Parser.parse(wasm);
            return chicory(Instance.builder(module).build(), export);
        }
    },
    /** Chicory's compiler to JVM bytecode at run time (com.dylibso.chicory:compiler). */
    CHICORY_COMPILER {
        @Override
        public Guest open(byte[] wasm, String export) {
            WasmModule module = Parser.parse(wasm);
            return chicory(Instance.builder(module).withMachineFactory(MachineFactoryCompiler.compile(module)).build(),
                    export);
        }
    },
    /** GraalWasm on the Truffle optimizing runtime (Graal compiles hot guest code), on a stock JDK. */
    GRAALWASM {
        @Override
        public Guest open(byte[] wasm, String export) {
            return GraalGuest.open(wasm, export, true);
        }
    },
    /** GraalWasm with runtime compilation off (engine.Compilation=false): the Truffle AST interpreter. */
    GRAALWASM_INTERPRETER {
        @Override
        public Guest open(byte[] wasm, String export) {
            return GraalGuest.open(wasm, export, false);
        }
    };

    public abstract Guest open(byte[] wasm, String export);

    private static final Map<byte[], Path> PREPARED = Collections.synchronizedMap(new IdentityHashMap<>());

    /**
     * Writes {@code wasm} and its precompiled artifact (made now, for x86-64-v2) to a temporary
     * directory, once per module: call it outside the timed part.
     */
    public static Path prepare(byte[] wasm) {
        return PREPARED.computeIfAbsent(wasm, w -> {
            try {
                Path dir = Files.createTempDirectory("precompiled-");
                Path file = Files.write(dir.resolve("module.wasm"), w);
                WasmArtifacts.precompile(file, false, WasmArtifacts.DEFAULT_CPU);
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Guest chicory(Instance instance, String export) {
        ExportFunction f = instance.export(export);
        return new Guest() {
            public long call(long x) { return f.apply(x)[0]; }
            public void close() { }
        };
    }
}
