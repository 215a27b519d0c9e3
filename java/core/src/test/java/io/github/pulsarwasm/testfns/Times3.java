package io.github.pulsarwasm.testfns;

import io.github.pulsarwasm.WasmFunction;

/** A subclass that names its resource and export. */
public class Times3 extends WasmFunction {
    public Times3() {
        super("math.wat", "times3");
    }
}
