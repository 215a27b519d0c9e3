package io.github.pulsarwasm;

import java.time.Duration;
import java.util.List;

/**
 * What was loaded: the module's SHA-256 (of its binary form), its size, where its machine code
 * came from and how long that took (the first time those bytes were seen in this JVM), why a
 * precompiled artifact offered for it was not used (empty when none was refused), the export
 * that is called, every export of the module as {@code name: kind type}, and every import as
 * {@code module.name: kind type} (what it asks of the host: {@code pulsar_v1}, Java host
 * functions of {@code pulsar_user}, WASI).
 */
public record WasmModuleInfo(String sha256, long sizeBytes, Origin origin, Duration loadTime, String artifactNote,
        String export, List<String> exports, List<String> imports) {
    /** Where a module's machine code came from. */
    public enum Origin {
        /** Compiled by Cranelift when the module was loaded. */
        COMPILED,
        /** Loaded from a precompiled artifact shipped with the module (see {@link WasmArtifacts}). */
        ARTIFACT,
        /** Loaded from the artifact cache directory (see {@link WasmArtifacts#CACHE_PROPERTY}). */
        CACHE
    }

    public WasmModuleInfo {
        exports = List.copyOf(exports);
        imports = List.copyOf(imports);
    }

    @Override
    public String toString() {
        String code = switch (origin) {
            case COMPILED -> "compiled in ";
            case ARTIFACT -> "loaded from its precompiled artifact in ";
            case CACHE -> "loaded from the artifact cache in ";
        };
        return "module sha256=" + sha256 + ", " + sizeBytes + " bytes, " + code + loadTime.toNanos() / 1000 + " µs"
                + (artifactNote.isEmpty() ? "" : " (" + artifactNote + ")") + ", calling `" + export + "`, exports "
                + exports + ", imports " + imports.stream().map(i -> i.substring(0, i.indexOf(':'))).toList();
    }
}
