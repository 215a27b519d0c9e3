package io.github.pulsarwasm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code new}: writes a function project from the templates this jar carries: the Maven project
 * ({@code templates/project}), the language's guest ({@code templates/<lang>}, as {@code guest/})
 * and its SDK ({@code sdk/<sdk>}, as {@code guest/sdk/}).
 */
final class NewProject {
    /** A template language: its name in docs, its SDK, its source file, the tools it needs. */
    record Language(String display, String sdk, String source, String tools) {}

    static final Map<String, Language> LANGUAGES = languages();

    private static Map<String, Language> languages() {
        Map<String, Language> all = new LinkedHashMap<>();
        all.put("c", new Language("C", "c", "function.c", "clang 19 with lld (Debian: apt install clang-19 lld-19)"));
        all.put("cpp", new Language("C++", "c", "function.cpp",
                "clang++ 19 with the WASI sysroot and libc++ for wasm32 (Debian: apt install clang-19 lld-19 wasi-libc "
                        + "libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 libclang-rt-19-dev-wasm32)"));
        all.put("rust", new Language("Rust", "rust", "function.rs",
                "rustc with the wasm32-unknown-unknown target and wasm-ld (Debian: apt install rustc "
                        + "libstd-rust-dev-wasm32 lld-14; set RUSTC and WASM_LD to use others)"));
        all.put("go", new Language("Go", "go", "function.go", "Go 1.24 or newer (GOOS=wasip1, //go:wasmexport)"));
        all.put("zig", new Language("Zig", "zig", "function.zig",
                "Zig 0.15 (`zig` on the PATH, or ZIG=\"python3 -m ziglang\" after pip install ziglang==0.15.2)"));
        all.put("assemblyscript", new Language("AssemblyScript", "assemblyscript", "function.ts",
                "AssemblyScript's asc (npm install -g assemblyscript, or set ASC to its path)"));
        return all;
    }

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final Pattern GROUP = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
    private static final String ROOT = "io/github/pulsarwasm/templates/";

    private NewProject() {}

    /** Writes the project into {@code dir} (absent or empty); returns the files written, relative to it. */
    static List<String> create(Path dir, String lang, String group) throws IOException {
        Language language = LANGUAGES.get(lang);
        if (language == null) {
            throw new IllegalArgumentException("unknown language `" + lang + "`: use one of " + LANGUAGES.keySet());
        }
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("`" + name + "` cannot name a function project: use lower-case letters, "
                    + "digits and dashes, starting with a letter (it becomes the artifact, jar and function name)");
        }
        if (!GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException("`" + group + "` is not a Maven group id such as com.example");
        }
        if (Files.exists(dir) && (!Files.isDirectory(dir) || !isEmpty(dir))) {
            throw new IllegalArgumentException(dir + " exists and is not an empty directory");
        }
        String pkg = group + "." + name.replace("-", "");
        Properties versions = new Properties();
        try (InputStream in = NewProject.class.getResourceAsStream("version.properties")) {
            versions.load(in);
        }
        Map<String, String> values = new LinkedHashMap<>();
        values.put("@NAME@", name);
        values.put("@GROUP_ID@", group);
        values.put("@PACKAGE@", pkg);
        values.put("@LANGUAGE@", language.display());
        values.put("@SOURCE@", language.source());
        values.put("@TOOLS@", language.tools());
        values.put("@PULSAR_WASM_VERSION@", versions.getProperty("version"));
        values.put("@PULSAR_VERSION@", versions.getProperty("pulsar"));

        List<String> written = new ArrayList<>();
        for (Map.Entry<String, byte[]> file : read("project/").entrySet()) {
            String path = file.getKey().replace("PACKAGE_DIR", pkg.replace('.', '/'));
            String text = new String(file.getValue(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> value : values.entrySet()) {
                text = text.replace(value.getKey(), value.getValue());
            }
            written.add(write(dir, path, text.getBytes(StandardCharsets.UTF_8)));
        }
        for (Map.Entry<String, byte[]> file : read(lang + "/").entrySet()) {
            written.add(write(dir, "guest/" + file.getKey(), file.getValue()));
        }
        for (Map.Entry<String, byte[]> file : read("sdk/" + language.sdk() + "/").entrySet()) {
            written.add(write(dir, "guest/sdk/" + file.getKey(), file.getValue()));
        }
        return written;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static String write(Path dir, String path, byte[] content) throws IOException {
        Path target = dir.resolve(path);
        Files.createDirectories(target.getParent());
        Files.write(target, content);
        if (path.endsWith(".sh") && !target.toFile().setExecutable(true, false)) {
            throw new IOException("could not make " + target + " executable");
        }
        return path;
    }

    /** Every template file under {@code ROOT + prefix}, by path relative to it, in name order. */
    private static Map<String, byte[]> read(String prefix) throws IOException {
        URL anchor = NewProject.class.getResource("/" + ROOT + "project/pom.xml");
        if (anchor == null) {
            throw new IllegalStateException("this pulsar-wasm jar carries no templates (" + ROOT + ")");
        }
        Map<String, byte[]> files = new TreeMap<>();
        if (anchor.getProtocol().equals("jar")) {
            JarURLConnection connection = (JarURLConnection) anchor.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                    if (!entry.isDirectory() && entry.getName().startsWith(ROOT + prefix)) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            files.put(entry.getName().substring(ROOT.length() + prefix.length()), in.readAllBytes());
                        }
                    }
                }
            }
        } else {
            Path base;
            try {
                base = Path.of(anchor.toURI()).getParent().getParent().resolve(prefix);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
            try (Stream<Path> walk = Files.walk(base)) {
                for (Path file : walk.filter(Files::isRegularFile).toList()) {
                    files.put(base.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("no templates under " + ROOT + prefix);
        }
        return files;
    }
}
