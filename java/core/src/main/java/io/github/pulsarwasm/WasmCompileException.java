package io.github.pulsarwasm;

/** The bytes are neither a valid WebAssembly binary nor WAT text; the message is the engine's. */
public class WasmCompileException extends WasmException {
    private static final long serialVersionUID = 1L;

    public WasmCompileException(String message) {
        super(message);
    }

    public WasmCompileException(String message, Throwable cause) {
        super(message, cause);
    }
}
