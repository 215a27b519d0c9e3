package io.github.pulsarwasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.pulsarwasm.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code java -jar pulsar-wasm.jar new}: what it writes. That every project builds, passes its
 * tests and runs in Pulsar is pulsar-it's TemplatesTest.
 */
class NewProjectTest {
    @TempDir
    Path dir;

    private static int run(PrintStream out, PrintStream err, String... args) {
        return Main.run(args, out, err);
    }

    private static String[] capture(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new String[] {String.valueOf(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @ParameterizedTest
    @ValueSource(strings = {"c", "cpp", "rust", "go", "zig", "assemblyscript"})
    void writesAProjectWithTheGuestItsSdkATestAndDeployNotes(String lang) throws Exception {
        Path project = dir.resolve("my-fn");
        String[] result = capture("new", "--lang", lang, "--group", "org.acme", project.toString());
        assertEquals("0", result[0], result[2]);
        assertTrue(result[1].contains("mvn package"), result[1]);

        String pom = Files.readString(project.resolve("pom.xml"));
        assertTrue(pom.contains("<artifactId>my-fn</artifactId>") && pom.contains("<groupId>org.acme</groupId>"), pom);
        assertFalse(pom.contains("@"), "every placeholder is filled: " + pom);
        // Well-formed XML, or Maven refuses it (a "--" inside a comment, say).
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(project.resolve("pom.xml").toFile());
        String test = Files.readString(project.resolve("src/test/java/org/acme/myfn/FunctionTest.java"));
        assertTrue(test.startsWith("package org.acme.myfn;"), test);
        String readme = Files.readString(project.resolve("README.md"));
        assertTrue(readme.contains("--jar target/my-fn.jar"), readme);
        assertFalse(readme.contains("@NAME@") || readme.contains("@TOOLS@"), readme);

        Path build = project.resolve("guest/build.sh");
        assertTrue(Files.isExecutable(build), "guest/build.sh is executable");
        try (var guest = Files.list(project.resolve("guest"))) {
            assertTrue(guest.anyMatch(p -> p.getFileName().toString().startsWith("function.")), "the guest source");
        }
        try (var sdk = Files.walk(project.resolve("guest/sdk"))) {
            assertTrue(sdk.anyMatch(p -> p.getFileName().toString().equals("README.md")), "the SDK with its documentation");
        }
    }

    @Test
    void refusesWhatWouldGoWrong() throws Exception {
        Files.createDirectories(dir.resolve("taken"));
        Files.writeString(dir.resolve("taken/file"), "mine");
        String[] taken = capture("new", "--lang", "c", dir.resolve("taken").toString());
        assertEquals("1", taken[0]);
        assertTrue(taken[2].contains("exists and is not an empty directory"), taken[2]);
        assertEquals("mine", Files.readString(dir.resolve("taken/file")), "nothing overwritten");

        String[] badName = capture("new", "--lang", "c", dir.resolve("My Function").toString());
        assertEquals("1", badName[0]);
        assertTrue(badName[2].contains("cannot name a function project"), badName[2]);

        String[] badLang = capture("new", "--lang", "cobol", dir.resolve("x").toString());
        assertEquals("1", badLang[0]);
        assertTrue(badLang[2].contains("unknown language `cobol`"), badLang[2]);

        assertEquals("2", capture("new", dir.resolve("y").toString())[0], "the language is required");
        assertEquals("2", capture("new", "--lang")[0]);
    }
}
