package io.github.pulsarwasm.testfns;

import io.github.pulsarwasm.WasmFunction;

/** The convention users follow: an empty subclass, its module beside it as Plus1.wat/.wasm. */
public class Plus1 extends WasmFunction {}
