package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's bytes function (examples/upper: ASCII to upper case) in each SDK language,
 * built from source by examples/build.sh, against a Java reference.
 */
class UpperTest {
    static byte[] upper(byte[] in) {
        byte[] out = in.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] >= 'a' && out[i] <= 'z') out[i] -= 32;
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"c", "rust", "zig", "as"})
    void upperCasesEveryInput(String lang) {
        Random random = new Random(lang.hashCode());
        try (WasmProcessor p = WasmProcessor.builder().resource(getClass().getClassLoader(), "examples/upper_" + lang + ".wasm")
                .build()) {
            assertEquals("HÉLLO, WÖRLD 42!", p.applyString("hÉllo, wÖrld 42!"));
            assertEquals("", p.applyString(""));
            for (int i = 0; i < 3000; i++) {
                int size = i % 100 == 0 ? random.nextInt(1 << 20) : random.nextInt(300);
                byte[] in = new byte[size];
                random.nextBytes(in);
                assertArrayEquals(upper(in), p.apply(in), lang + " input " + i + " of " + size + " bytes");
            }
            String text = "the quick brown fox jumps over the lazy dog – ünïcödé stays";
            assertEquals(new String(upper(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8), p.applyString(text));
        }
    }
}
