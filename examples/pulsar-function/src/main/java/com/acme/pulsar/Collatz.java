package com.acme.pulsar;

import io.github.pulsarwasm.WasmFunction;

/**
 * Collatz steps, written in C (examples/c/collatz.c), as a {@code java.util.function.Function}
 * that Pulsar instantiates by class name: it runs com/acme/pulsar/Collatz.wasm.
 */
public class Collatz extends WasmFunction {}
