package io.github.pulsarwasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Little-endian u32 counts and length-prefixed fields, as {@code native/jni/mod.rs} reads them. */
final class SpecWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void count(int n) {
        out.write(n);
        out.write(n >>> 8);
        out.write(n >>> 16);
        out.write(n >>> 24);
    }

    void bytes(byte[] bytes) {
        count(bytes.length);
        out.writeBytes(bytes);
    }

    void text(String text) {
        bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
