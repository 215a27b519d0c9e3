package io.github.pulsarwasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Little-endian integers and u32-length-prefixed fields: the layout of the record envelope
 * ({@code docs/abi.md}) and of the host specification {@code native/jni/mod.rs} reads.
 */
final class LittleEndianWriter {
    private final ByteArrayOutputStream out;

    LittleEndianWriter(int capacity) {
        out = new ByteArrayOutputStream(capacity);
    }

    void u8(int v) {
        out.write(v);
    }

    void u16(int v) {
        out.write(v);
        out.write(v >>> 8);
    }

    void u32(int v) {
        u16(v);
        u16(v >>> 16);
    }

    void i64(long v) {
        u32((int) v);
        u32((int) (v >>> 32));
    }

    /** A u32 length, then the bytes. */
    void bytes(byte[] bytes) {
        u32(bytes.length);
        out.writeBytes(bytes);
    }

    /** {@link #bytes} of the text in UTF-8. */
    void text(String text) {
        bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
