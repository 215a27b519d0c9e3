package io.github.pulsarwasm;

/**
 * The module compiled but cannot be used as asked: the export is missing (the message lists
 * the exports there are), has the wrong type (expected and actual), or the module imports
 * something the host does not provide (named).
 */
public class WasmLinkException extends WasmException {
    private static final long serialVersionUID = 1L;

    public WasmLinkException(String message) {
        super(message);
    }

    public WasmLinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
