package io.github.pulsarwasm.testfns;

import io.github.pulsarwasm.WasmFunction;
import io.github.pulsarwasm.WasmLimits;
import java.time.Duration;

/** The subclass convention with limits: its module beside it as Spin.wat, under a 100 ms deadline. */
public class Spin extends WasmFunction {
    public Spin() {
        super(WasmLimits.defaults().withTimeout(Duration.ofMillis(100)));
    }
}
