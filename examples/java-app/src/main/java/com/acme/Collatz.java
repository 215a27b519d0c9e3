package com.acme;

import io.github.pulsarwasm.WasmFunction;

/** Runs com/acme/Collatz.wasm (C source: examples/c/collatz.c). */
public class Collatz extends WasmFunction {}
