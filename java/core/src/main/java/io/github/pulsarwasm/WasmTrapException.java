package io.github.pulsarwasm;

/**
 * The guest trapped (an {@code unreachable}, a division by zero, an out-of-bounds memory
 * access, a wasm stack overflow...). The message holds the wasm backtrace. The function stays
 * usable: the next call runs on a fresh instance.
 */
public class WasmTrapException extends WasmException {
    private static final long serialVersionUID = 1L;

    private final String trapCode;

    public WasmTrapException(String message, String trapCode) {
        super(message);
        this.trapCode = trapCode;
    }

    public WasmTrapException(String message, String trapCode, Throwable cause) {
        super(message, cause);
        this.trapCode = trapCode;
    }

    /**
     * The kind of trap as the engine names it, such as {@code UnreachableCodeReached},
     * {@code IntegerDivisionByZero}, {@code HeapAccessOutOfBounds} or {@code StackOverflow};
     * {@code RuntimeError} when the engine gave no trap code.
     */
    public String trapCode() {
        return trapCode;
    }
}
