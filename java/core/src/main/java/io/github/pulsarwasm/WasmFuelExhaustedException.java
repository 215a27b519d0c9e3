package io.github.pulsarwasm;

/**
 * The call ran out of fuel: it executed the instructions {@link WasmLimits#fuelPerCall()} allows. Its trap code is {@code OutOfFuel}.
 * The function stays usable: the next call on that thread runs on a fresh instance.
 */
public class WasmFuelExhaustedException extends WasmTrapException {
    private static final long serialVersionUID = 1L;

    public WasmFuelExhaustedException(String message, String trapCode) {
        super(message, trapCode);
    }
}
