package io.github.pulsarwasm;

import java.time.Duration;
import java.util.List;

/**
 * What was loaded: the module's SHA-256 (of its binary form), its size, how long it took to
 * compile (the first time those bytes were seen in this class loader), the export that is
 * called, and every export of the module as {@code name: kind type}.
 */
public record WasmModuleInfo(String sha256, long sizeBytes, Duration compileTime, String export, List<String> exports) {
    public WasmModuleInfo {
        exports = List.copyOf(exports);
    }

    @Override
    public String toString() {
        return "module sha256=" + sha256 + ", " + sizeBytes + " bytes, compiled in "
                + compileTime.toNanos() / 1000 + " µs, calling `" + export + "`, exports " + exports;
    }
}
