package io.github.pulsarwasm.testfns;

import io.github.pulsarwasm.WasmFunction;

/** No Missing.wasm exists beside this class. */
public class Missing extends WasmFunction {}
