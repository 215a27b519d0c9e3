package com.acme.pulsar;

import java.util.function.LongUnaryOperator;

/**
 * A Java host function for the enrich guests (examples/enrich), wired by the user config
 * {@code "wasm.hostFunctions": {"score": "com.acme.pulsar.Score"}}: the guest imports it as
 * {@code pulsar_user.score: (i64) -> i64}.
 */
public class Score implements LongUnaryOperator {
    @Override
    public long applyAsLong(long length) {
        return length * 7 + 3;
    }
}
