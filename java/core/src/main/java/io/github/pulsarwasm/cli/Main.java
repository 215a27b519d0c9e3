package io.github.pulsarwasm.cli;

import io.github.pulsarwasm.WasmArtifacts;
import io.github.pulsarwasm.WasmException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The jar's command line: {@code java -jar pulsar-wasm.jar <command>}.
 *
 * <pre>
 * new --lang c|cpp|rust|go|zig|assemblyscript [--group com.example] DIR
 *     a function project: guest source on the SDK, Maven build, unit test, deploy notes
 * precompile [--fuel] [--cpu x86-64-v2|x86-64-v3|host] FILE.wasm...
 *     compile modules ahead of time; each artifact is written beside its module
 * info FILE.artifact...
 *     what made an artifact, and whether this library can load it here
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status (0 done, 1 failed, 2 wrong usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
            usage(args.length == 0 ? err : out);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "new" -> newProject(rest, out, err);
                case "precompile" -> precompile(rest, out, err);
                case "info" -> info(rest, out, err);
                default -> {
                    err.println("unknown command `" + args[0] + "`");
                    usage(err);
                    yield 2;
                }
            };
        } catch (UsageException e) {
            err.println(e.getMessage());
            usage(err);
            return 2;
        }
    }

    private static int newProject(List<String> args, PrintStream out, PrintStream err) {
        String lang = null;
        String group = "com.example";
        Path dir = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--lang", "--group" -> {
                    if (++i == args.size()) {
                        throw new UsageException(arg + " needs a value");
                    }
                    if (arg.equals("--lang")) {
                        lang = args.get(i);
                    } else {
                        group = args.get(i);
                    }
                }
                default -> {
                    if (arg.startsWith("-") || dir != null) {
                        throw new UsageException("new: unexpected " + arg);
                    }
                    dir = Path.of(arg);
                }
            }
        }
        if (lang == null || dir == null) {
            throw new UsageException("new: name the language (--lang " + String.join("|", NewProject.LANGUAGES.keySet())
                    + ") and the project directory");
        }
        try {
            List<String> files = NewProject.create(dir, lang, group);
            NewProject.Language language = NewProject.LANGUAGES.get(lang);
            out.println("created " + dir + " (" + files.size() + " files): a Pulsar function in " + language.display());
            out.println("  guest/" + language.source() + "   the function");
            out.println("  src/test/java/...       its unit test (no broker)");
            out.println("next: cd " + dir + " && mvn package   (needs " + language.tools() + ")");
            out.println("then: pulsar-admin functions create --jar target/" + dir.toAbsolutePath().normalize().getFileName()
                    + ".jar ... (see " + dir.resolve("README.md") + ")");
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("new: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("new: could not write " + dir + ": " + e);
            return 1;
        }
    }

    private static int precompile(List<String> args, PrintStream out, PrintStream err) {
        boolean fuel = false;
        String cpu = WasmArtifacts.DEFAULT_CPU;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--fuel" -> fuel = true;
                case "--cpu" -> {
                    if (++i == args.size()) {
                        throw new UsageException("--cpu needs a value: x86-64-v2, x86-64-v3 or host");
                    }
                    cpu = args.get(i);
                }
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option " + arg);
                    }
                    files.add(Path.of(arg));
                }
            }
        }
        if (files.isEmpty()) {
            throw new UsageException("precompile: name at least one .wasm file");
        }
        int failed = 0;
        for (Path file : files) {
            long started = System.nanoTime();
            try {
                Path artifact = WasmArtifacts.precompile(file, fuel, cpu);
                out.printf("%s -> %s (%d KiB, %d ms; cpu %s, fuel %s)%n", file, artifact, Files.size(artifact) / 1024,
                        (System.nanoTime() - started) / 1_000_000, cpu, fuel ? "yes" : "no");
            } catch (WasmException | UncheckedIOException | IllegalArgumentException | IOException e) {
                err.println("precompile " + file + ": " + e.getMessage());
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private static int info(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            throw new UsageException("info: name at least one .artifact file");
        }
        int failed = 0;
        for (String name : args) {
            try {
                out.println(name + ": " + WasmArtifacts.describe(Files.readAllBytes(Path.of(name))));
            } catch (IOException | IllegalArgumentException e) {
                err.println(name + ": " + e.getMessage());
                failed++;
            }
        }
        return failed == 0 ? 0 : 1;
    }

    private static void usage(PrintStream to) {
        to.println("""
                usage: java -jar pulsar-wasm.jar <command>
                  new --lang c|cpp|rust|go|zig|assemblyscript [--group com.example] DIR
                      a new function project in DIR: the guest source on the SDK, a Maven build that
                      compiles, precompiles, tests and packages it, and how to deploy it.
                  precompile [--fuel] [--cpu x86-64-v2|x86-64-v3|host] FILE.wasm...
                      compile modules ahead of time: each artifact is written beside its module, as
                      FILE.wasm.<os>-<arch>.artifact, and used when the module is loaded by this build.
                      --fuel: for functions with a fuel limit. --cpu: the CPUs it may run on
                      (default x86-64-v2).
                  info FILE.artifact...
                      what made an artifact, and whether this library can load it here""");
    }

    private static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
