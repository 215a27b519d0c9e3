package io.github.pulsarwasm;

import java.time.Duration;
import java.util.List;

/**
 * What was loaded: the module's SHA-256 (of its binary form), its size, how long it took to
 * compile (the first time those bytes were seen in this class loader), the export that is
 * called, every export of the module as {@code name: kind type}, and every import as
 * {@code module.name: kind type} (what it asks of the host: {@code pulsar_v1}, Java host
 * functions of {@code pulsar_user}, WASI).
 */
public record WasmModuleInfo(String sha256, long sizeBytes, Duration compileTime, String export, List<String> exports,
        List<String> imports) {
    public WasmModuleInfo {
        exports = List.copyOf(exports);
        imports = List.copyOf(imports);
    }

    @Override
    public String toString() {
        return "module sha256=" + sha256 + ", " + sizeBytes + " bytes, compiled in "
                + compileTime.toNanos() / 1000 + " µs, calling `" + export + "`, exports " + exports
                + ", imports " + imports.stream().map(i -> i.substring(0, i.indexOf(':'))).toList();
    }
}
