package io.github.pulsarwasm;

/**
 * The guest trapped with its memory at its cap ({@link WasmLimits#maxMemoryPages()}): at the cap {@code memory.grow} returns -1, and most guests trap when an allocation fails. The trap code is the guest's own trap.
 * The function stays usable: the next call on that thread runs on a fresh instance.
 */
public class WasmMemoryLimitException extends WasmTrapException {
    private static final long serialVersionUID = 1L;

    public WasmMemoryLimitException(String message, String trapCode) {
        super(message, trapCode);
    }
}
