package io.github.pulsarwasm;

/** Base of every exception this library throws for a WebAssembly problem. Unchecked. */
public class WasmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WasmException(String message) {
        super(message);
    }

    public WasmException(String message, Throwable cause) {
        super(message, cause);
    }
}
