package com.acme.pulsar;

import org.apache.pulsar.functions.api.Context;
import org.apache.pulsar.functions.api.Function;

/**
 * The Java twin of examples/c/upper.c (ASCII letters to upper case, over the message's bytes),
 * for the String -> String throughput comparison.
 */
public class Upper implements Function<byte[], byte[]> {
    @Override
    public byte[] process(byte[] input, Context context) {
        byte[] out = input.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] >= 'a' && out[i] <= 'z') {
                out[i] -= 32;
            }
        }
        return out;
    }
}
