package io.github.pulsarwasm;

/**
 * The call ran past its deadline ({@link WasmLimits#timeout()}) and was stopped. Its trap code is {@code Timeout}.
 * The function stays usable: the next call on that thread runs on a fresh instance.
 */
public class WasmTimeoutException extends WasmTrapException {
    private static final long serialVersionUID = 1L;

    public WasmTimeoutException(String message, String trapCode) {
        super(message, trapCode);
    }
}
