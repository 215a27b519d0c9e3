package io.github.pulsarwasm;

/**
 * The guest called WASI {@code proc_exit}: {@code exit()} in C, {@code os.Exit} in Go, or the
 * exit its language's runtime makes on a panic. The call ends; the function stays usable, and
 * the next call runs on a fresh instance.
 */
public class WasmExitException extends WasmTrapException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public WasmExitException(String message, int exitCode) {
        super(message, "ProcExit");
        this.exitCode = exitCode;
    }

    /** The code the guest passed to {@code proc_exit}. */
    public int exitCode() {
        return exitCode;
    }
}
