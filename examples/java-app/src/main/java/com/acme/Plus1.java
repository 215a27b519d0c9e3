package com.acme;

import io.github.pulsarwasm.WasmFunction;

/** Runs com/acme/Plus1.wasm (WAT source: examples/wat/plus1.wat). */
public class Plus1 extends WasmFunction {}
