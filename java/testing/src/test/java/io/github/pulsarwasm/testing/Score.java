package io.github.pulsarwasm.testing;

import java.util.function.LongUnaryOperator;

/** The Java host function the enrich guests import as {@code pulsar_user.score}. */
public class Score implements LongUnaryOperator {
    @Override
    public long applyAsLong(long length) {
        return length * 7 + 3;
    }
}
