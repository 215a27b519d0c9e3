package io.github.pulsarwasm.it;

import static io.github.pulsarwasm.it.Functions.topic;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each language's project template as a new user meets it: {@code java -jar pulsar-wasm.jar new},
 * {@code mvn package} in the new directory (the guest compiled by the project's own build, its
 * unit tests run, the package shaded), and the package deployed with the literal
 * {@code pulsar-admin functions create --jar} into a real Pulsar, answering messages.
 */
class TemplatesTest {
    static final List<String> LANGUAGES = List.of("c", "cpp", "rust", "go", "zig", "assemblyscript");
    static EmbeddedPulsar pulsar;
    static Path projects;

    @BeforeAll
    static void start() throws Exception {
        projects = PulsarTestSupport.workDir("templates");
        pulsar = EmbeddedPulsar.builder().dataDir(PulsarTestSupport.workDir("templates-pulsar"))
                .functionsRuntime(EmbeddedPulsar.FunctionsRuntime.THREAD).build().start();
    }

    @AfterAll
    static void stop() {
        if (pulsar != null) pulsar.close();
    }

    /** Runs a command in {@code dir}, its output to {@code log}; fails with the log's end if it fails. */
    private static void run(Path dir, Path log, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(15, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 15 minutes");
        }
        if (process.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log);
            throw new AssertionError(String.join(" ", command) + " in " + dir + " failed (" + process.exitValue() + "):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
        }
    }

    @Test
    void everyTemplateBuildsTestsAndRunsInPulsar() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String libraryJar = PulsarTestSupport.existing("pulsarwasm.libraryJar", "the pulsar-wasm jar (java/core)");
        // The guest tools as examples/build.sh installed them (a user has them on the PATH).
        Map<String, String> env = Map.of(
                "ZIG", System.getProperty("pulsarwasm.zig"),
                "ASC", System.getProperty("pulsarwasm.asc"));
        for (String lang : LANGUAGES) {
            String name = "greet-" + lang;
            Path project = projects.resolve(name);
            Path log = projects.resolve(name + ".log");
            run(projects, log, env, java, "-jar", libraryJar, "new", "--lang", lang, name);
            run(project, log, env, "mvn", "-B", "-ntp", "package");
            String jar = project.resolve("target/" + name + ".jar").toString();
            assertTrue(Files.isRegularFile(Path.of(jar)), lang + ": no package at " + jar);
            assertTrue(Files.readString(log).contains("Tests run: 4, Failures: 0, Errors: 0"),
                    lang + ": the project's unit tests ran");

            String in = topic("tpl-" + lang + "-in"), out = topic("tpl-" + lang + "-out");
            try (Consumer<byte[]> outputs = Functions.subscribeBytes(pulsar.client(), out, "check");
                    Producer<byte[]> producer = pulsar.client().newProducer(Schema.BYTES).topic(in).enableBatching(false).create()) {
                ThreadRuntimeTest.PulsarAdminCommand cli = new ThreadRuntimeTest.PulsarAdminCommand();
                assertTrue(cli.exec(new String[] {"--admin-url", pulsar.getWebServiceUrl(), "functions", "create",
                        "--tenant", "public", "--namespace", "default", "--name", name,
                        "--jar", jar, "--classname", "io.github.pulsarwasm.pulsar.WasmRecordFunction",
                        "--inputs", in, "--output", out,
                        "--user-config", "{\"wasm.resource\": \"function.wasm\", \"wasm.grant.state\": \"true\", \"greeting\": \"Hej\"}"}),
                        lang + ": pulsar-admin functions create failed");
                Functions.waitRunning(pulsar.admin(), Functions.recordConfig(name, "function.wasm", in, out, Map.of()),
                        Duration.ofSeconds(120));
                List<String> expected = new ArrayList<>();
                for (String who : List.of("Ada", "Grace", "Edsger", "Barbara")) {
                    producer.send(who.getBytes(UTF_8));
                    expected.add("Hej, " + who + "!");
                }
                List<String> got = Functions.receive(outputs, expected.size(), Duration.ofSeconds(60)).stream()
                        .map(m -> new String(m.getValue(), UTF_8)).toList();
                assertEquals(expected, got, lang);
                assertTrue(cli.exec(new String[] {"--admin-url", pulsar.getWebServiceUrl(), "functions", "delete",
                        "--tenant", "public", "--namespace", "default", "--name", name}));
            }
        }
    }
}
