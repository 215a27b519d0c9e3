package io.github.pulsarwasm;

/**
 * A Java host function threw while the guest called it; the cause is what it threw. The guest
 * was stopped and its record's effects other than log lines and metrics dropped; the next call
 * runs on a fresh instance.
 */
public class WasmHostFunctionException extends WasmTrapException {
    private static final long serialVersionUID = 1L;

    public WasmHostFunctionException(String message, Throwable cause) {
        super(message, "HostFunction", cause);
    }
}
