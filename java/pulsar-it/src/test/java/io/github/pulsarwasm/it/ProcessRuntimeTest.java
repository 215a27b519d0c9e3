package io.github.pulsarwasm.it;

import static io.github.pulsarwasm.it.Functions.topic;
import static io.github.pulsarwasm.it.Functions.wasmConfig;
import static io.github.pulsarwasm.it.PulsarTestSupport.functionJar;
import static io.github.pulsarwasm.it.PulsarTestSupport.roundTrip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.pulsar.common.functions.FunctionConfig;
import org.junit.jupiter.api.Test;

/**
 * The worker's default runtime: each function instance in its own JVM, started from the
 * java-instance jar of a Pulsar distribution. Also checks that shutting down leaves no
 * processes, ports or data behind.
 */
class ProcessRuntimeTest {
    @Test
    void wasmFunctionRunsInItsOwnInstanceJvmAndShutdownLeavesNothingBehind() throws Exception {
        Path data = PulsarTestSupport.workDir("process");
        EmbeddedPulsar pulsar = EmbeddedPulsar.builder().dataDir(data)
                .functionsRuntime(EmbeddedPulsar.FunctionsRuntime.PROCESS)
                .javaInstanceJar(PulsarTestSupport.javaInstanceJar()).build();
        int brokerPort;
        int webPort;
        try {
            pulsar.start();
            brokerPort = pulsar.brokerPort();
            webPort = pulsar.webPort();
            FunctionConfig c = wasmConfig("p-collatz", "guests/collatz.wasm", topic("p1-in"), topic("p1-out"));
            pulsar.admin().functions().createFunction(c, functionJar());
            Functions.waitRunning(pulsar.admin(), c, Duration.ofSeconds(180));
            List<ProcessHandle> instances = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                    .collect(Collectors.toList());
            assertFalse(instances.isEmpty(), "the instance runs in a child JVM");
            assertTrue(instances.stream().anyMatch(p -> p.info().commandLine().orElse("").contains("java-instance.jar")),
                    "started from the java-instance jar: " + instances.stream()
                            .map(p -> p.info().commandLine().orElse("?")).collect(Collectors.toList()));
            roundTrip(pulsar.client(), topic("p1-in"), topic("p1-out"), 1, 1000, PulsarTestSupport::collatz);
            pulsar.admin().functions().deleteFunction("public", "default", "p-collatz");
        } finally {
            pulsar.close();
        }
        EmbeddedPulsar.await(Duration.ofSeconds(60), () -> ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive),
                () -> "no child processes left");
        assertFalse(Files.exists(data), "data directory removed");
        for (int port : new int[] {brokerPort, webPort}) {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, socket.getLocalPort(), "port " + port + " is free again");
            }
        }
    }

    @Test
    void aFailedStartSaysWhatIsMissingAndLeavesNothingBehind() throws Exception {
        Path data = PulsarTestSupport.workDir("no-instance-jar");
        EmbeddedPulsar pulsar = EmbeddedPulsar.builder().dataDir(data)
                .functionsRuntime(EmbeddedPulsar.FunctionsRuntime.PROCESS).javaInstanceJar(data.resolve("nope.jar").toString())
                .build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, pulsar::start);
        assertTrue(e.getMessage().contains("pulsar-functions-runtime-all") && e.getMessage().contains("nope.jar"), e.getMessage());
        assertFalse(Files.exists(data), "data directory removed");
    }
}
