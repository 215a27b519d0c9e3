package io.github.pulsarwasm;

/**
 * A limit was reached: too many functions loaded at once, or the memory, address space or
 * memory mappings that a new instance or a compilation needs. The message names the limit and
 * what to change. Nothing is left half-done: a later call, once resources are free, can succeed.
 */
public class WasmLimitException extends WasmException {
    private static final long serialVersionUID = 1L;

    public WasmLimitException(String message) {
        super(message);
    }

    public WasmLimitException(String message, Throwable cause) {
        super(message, cause);
    }
}
