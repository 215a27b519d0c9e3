package io.github.pulsarwasm.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.apache.pulsar.PulsarStandaloneStarter;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.PulsarClient;

/**
 * A real Pulsar standalone (broker + 1 bookie + RocksDB metadata store + optional functions worker) started
 * in-process through {@link PulsarStandaloneStarter}, i.e. exactly the code path of {@code bin/pulsar standalone},
 * with every port picked at run time, everything bound to 127.0.0.1 and all data under one directory.
 */
public final class EmbeddedPulsar implements AutoCloseable {

    /** Which functions worker, if any, to run inside the broker. */
    public enum FunctionsRuntime { NONE, THREAD, PROCESS }

    private final Path dataDir;
    private final FunctionsRuntime runtime;
    private final String javaInstanceJar;
    private final String metadataStoreUrl;
    private final Map<String, String> extraBrokerConf;

    private PulsarStandaloneStarter standalone;
    private PulsarAdmin admin;
    private PulsarClient client;
    private int brokerPort;
    private int webPort;
    private Duration startupTime;

    private EmbeddedPulsar(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath();
        this.runtime = b.runtime;
        this.javaInstanceJar = b.javaInstanceJar;
        this.metadataStoreUrl = b.metadataStoreUrl;
        this.extraBrokerConf = b.extraBrokerConf;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Path dataDir;
        private FunctionsRuntime runtime = FunctionsRuntime.THREAD;
        private String javaInstanceJar;
        private String metadataStoreUrl;
        private final Map<String, String> extraBrokerConf = new LinkedHashMap<>();

        /** Directory that will hold conf, metadata, bookie data, packages, logs; deleted on close. */
        public Builder dataDir(Path dir) { this.dataDir = dir; return this; }
        public Builder functionsRuntime(FunctionsRuntime r) { this.runtime = r; return this; }
        /** pulsar-functions-runtime-all jar; needed for {@link FunctionsRuntime#PROCESS}. */
        public Builder javaInstanceJar(String jar) { this.javaInstanceJar = jar; return this; }
        /** e.g. "memory:some-name" (NOT "memory:local", which is private per store instance); default (null) = RocksDB in dataDir/metadata, like bin/pulsar standalone. */
        public Builder metadataStoreUrl(String url) { this.metadataStoreUrl = url; return this; }
        public Builder brokerConf(String key, String value) { extraBrokerConf.put(key, value); return this; }
        public EmbeddedPulsar build() { return new EmbeddedPulsar(this); }
    }

    /** Pulsar 4.0 supports Java 21 and newer. */
    public static final int MIN_JAVA = 21;

    public EmbeddedPulsar start() throws Exception {
        if (Runtime.version().feature() < MIN_JAVA) {
            throw new IllegalStateException("Pulsar " + pulsarVersion() + " needs Java " + MIN_JAVA + " or newer, but this is Java "
                    + Runtime.version() + " (" + System.getProperty("java.home") + "); run on a newer JDK"
                    + " (the scripts use PULSAR_JAVA_HOME, default /usr/lib/jvm/temurin-25-jdk-amd64)");
        }
        long t0 = System.nanoTime();
        try {
            boot();
        } catch (Throwable t) {
            close(); // leave nothing half-started behind: threads, ports, data
            throw t;
        }
        startupTime = Duration.ofNanos(System.nanoTime() - t0);
        return this;
    }

    private void boot() throws Exception {
        Files.createDirectories(dataDir);
        brokerPort = freePort();
        webPort = freePort();

        Path conf = dataDir.resolve("conf");
        Files.createDirectories(conf);
        Path standaloneConf = conf.resolve("standalone.conf");
        writeProperties(standaloneConf, brokerConf());
        Path workerYml = conf.resolve("functions_worker.yml");
        new ObjectMapper(new YAMLFactory()).writeValue(workerYml.toFile(), workerConf());

        if (runtime == FunctionsRuntime.PROCESS) {
            // bin/pulsar sets -Dpulsar.functions.instance.classpath=${PULSAR_CLASSPATH}: the instance JVM
            // loads org.apache.pulsar.functions.runtime.JavaInstanceStarter (+ deps) from it. Without it the
            // worker falls back to java.class.path, which under surefire is a manifest-only booter jar.
            if (System.getProperty("pulsar.functions.instance.classpath") == null) {
                System.setProperty("pulsar.functions.instance.classpath", expandedClasspath());
            }
        }

        List<String> args = new ArrayList<>(List.of(
                "--config", standaloneConf.toString(),
                "--advertised-address", "127.0.0.1",
                "--metadata-dir", dataDir.resolve("metadata").toString(),
                "--bookkeeper-dir", dataDir.resolve("bookkeeper").toString(),
                // must NOT exist, otherwise the standalone falls back to the ZooKeeper mode
                "--zookeeper-dir", dataDir.resolve("zookeeper-unused").toString(),
                "--functions-worker-conf", workerYml.toString(),
                "--no-stream-storage",
                "--wipe-data"));
        if (metadataStoreUrl != null) {
            args.addAll(List.of("--metadata-url", metadataStoreUrl));
        }
        if (runtime == FunctionsRuntime.NONE) {
            args.add("--no-functions-worker");
        }

        // NB: with invalid args the starter calls System.exit (4.0.x: overridable `protected void exit(int)`,
        // 3.0.x: hard System.exit), so only pass options it knows.
        standalone = new PulsarStandaloneStarter(args.toArray(String[]::new)) {
            @Override
            protected void exit(int status) {
                // The starter exits the JVM on bad arguments; fail this start instead.
                throw new IllegalStateException("Pulsar standalone refused its arguments " + List.copyOf(args) + " (status " + status + ")");
            }
        };
        try {
            standalone.start();
        } catch (java.net.BindException e) {
            throw new IllegalStateException("Pulsar could not bind its ports on 127.0.0.1 (broker " + brokerPort
                    + ", web " + webPort + "): " + e.getMessage(), e);
        }
        admin = PulsarAdmin.builder().serviceHttpUrl(getWebServiceUrl()).build();
        client = PulsarClient.builder().serviceUrl(getBrokerServiceUrl()).build();
        waitUntilReady();
    }

    private void waitUntilReady() throws Exception {
        // broker + default namespace (created by PulsarStandalone.start itself)
        await(Duration.ofSeconds(60), () -> admin.namespaces().getNamespaces("public").contains("public/default"));
        if (runtime != FunctionsRuntime.NONE) {
            // the worker answers 503 "Function worker service is not done initializing" until it is ready
            await(Duration.ofSeconds(120), () -> {
                admin.functions().getFunctions("public", "default");
                return !admin.worker().getCluster().isEmpty();
            });
            // ...and createFunction answers 503 "Leader not yet ready. Please retry again" until the worker's
            // LeaderService finished taking leadership (~1 s later). PulsarAdmin has no call for it, REST does:
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(
                    URI.create(getWebServiceUrl() + "/admin/v2/worker/cluster/leader/ready")).build();
            await(Duration.ofSeconds(120), () -> {
                HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && r.body().contains("true");
            });
        }
    }

    private Properties brokerConf() {
        Properties p = new Properties();
        // --- what conf/standalone.conf sets that differs from ServiceConfiguration defaults (1 bookie!) ---
        p.setProperty("clusterName", "standalone");
        p.setProperty("managedLedgerDefaultEnsembleSize", "1");
        p.setProperty("managedLedgerDefaultWriteQuorum", "1");
        p.setProperty("managedLedgerDefaultAckQuorum", "1");
        p.setProperty("loadManagerClassName", "org.apache.pulsar.broker.loadbalance.NoopLoadManager");
        p.setProperty("loadBalancerEnabled", "false");
        p.setProperty("allowAutoTopicCreationType", "non-partitioned");
        p.setProperty("defaultNumberOfNamespaceBundles", "4");
        p.setProperty("transactionCoordinatorEnabled", "false");
        // --- network: loopback only, ports picked at run time ---
        p.setProperty("bindAddress", "127.0.0.1");
        p.setProperty("advertisedAddress", "127.0.0.1");
        p.setProperty("brokerServicePort", String.valueOf(brokerPort));
        p.setProperty("webServicePort", String.valueOf(webPort));
        p.setProperty("webSocketServiceEnabled", "false");
        // --- keep everything under dataDir (defaults are relative to the CWD) ---
        p.setProperty("STORAGE_PATH", dataDir.resolve("packages-storage").toString()); // FileSystemPackagesStorage
        p.setProperty("narExtractionDirectory", dataDir.resolve("nar").toString());
        // --- test-friendly ---
        p.setProperty("brokerDeleteInactiveTopicsEnabled", "false");
        p.setProperty("brokerShutdownTimeoutMs", "5000");
        p.setProperty("managedLedgerCacheSizeMB", "64");
        // --- the same file is also loaded as the bookie's ServerConfiguration (as in standalone.conf) ---
        p.setProperty("ledgerStorageClass", "org.apache.bookkeeper.bookie.storage.ldb.DbLedgerStorage");
        p.setProperty("dbStorage_writeCacheMaxSizeMb", "16");
        p.setProperty("dbStorage_readAheadCacheMaxSizeMb", "16");
        p.setProperty("dbStorage_rocksDB_blockCacheSize", String.valueOf(16 * 1024 * 1024));
        p.setProperty("journalMaxGroupWaitMSec", "1");
        p.setProperty("journalSyncData", "false");
        p.setProperty("diskUsageThreshold", "0.99");
        p.setProperty("diskUsageWarnThreshold", "0.99");
        p.setProperty("allowLoopback", "true");
        p.setProperty("bookkeeperUseV2WireProtocol", "true");
        p.putAll(extraBrokerConf);
        return p;
    }

    private Map<String, Object> workerConf() {
        // the keys of conf/functions_worker.yml that have no usable default in WorkerConfig
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("pulsarFunctionsNamespace", "public/functions");
        w.put("pulsarFunctionsCluster", "standalone");
        w.put("functionMetadataTopicName", "metadata");
        w.put("clusterCoordinationTopicName", "coordinate");
        w.put("functionAssignmentTopicName", "assignments");
        w.put("schedulerClassName", "org.apache.pulsar.functions.worker.scheduler.RoundRobinScheduler");
        w.put("numHttpServerThreads", 8);
        w.put("failureCheckFreqMs", 30000);
        w.put("rescheduleTimeoutMs", 60000);
        w.put("rebalanceCheckFreqSec", -1);
        w.put("initialBrokerReconnectMaxRetries", 60);
        w.put("assignmentWriteMaxRetries", 60);
        w.put("instanceLivenessCheckFreqMs", 30000);
        w.put("topicCompactionFrequencySec", 1800);
        w.put("numFunctionPackageReplicas", 1);
        w.put("uploadBuiltinSinksSources", false);
        w.put("downloadDirectory", dataDir.resolve("download/pulsar_functions").toString());
        w.put("connectorsDirectory", dataDir.resolve("connectors").toString());
        w.put("functionsDirectory", dataDir.resolve("functions").toString());
        w.put("narExtractionDirectory", dataDir.resolve("nar").toString());
        Map<String, Object> factory = new LinkedHashMap<>();
        switch (runtime) {
            case PROCESS -> {
                w.put("functionRuntimeFactoryClassName",
                        "org.apache.pulsar.functions.runtime.process.ProcessRuntimeFactory");
                if (javaInstanceJar == null || !new File(javaInstanceJar).isFile()) {
                    throw new IllegalArgumentException("the process runtime needs the java-instance jar of a Pulsar"
                            + " distribution (Maven artifact org.apache.pulsar:pulsar-functions-runtime-all), but got "
                            + javaInstanceJar);
                }
                factory.put("javaInstanceJarLocation", javaInstanceJar);
                // must be non-null or ProcessRuntimeFactory throws "No PythonInstanceFile specified"
                factory.put("pythonInstanceLocation", dataDir.resolve("no-python-instance.py").toString());
                factory.put("logDirectory", dataDir.resolve("logs").toString());
            }
            default -> {
                w.put("functionRuntimeFactoryClassName",
                        "org.apache.pulsar.functions.runtime.thread.ThreadRuntimeFactory");
                factory.put("threadGroupName", "Thread Function Container Group");
                // Function state (Context.putState, incrCounter) in a metadata store of its own: the
                // standalone selects PulsarMetadataStateStoreProviderImpl in RocksDB mode but leaves the
                // URL unset, which disables state. Not the broker's store: an instance closes its state
                // store when its function is deleted, and the broker's would close with it.
                w.put("stateStorageServiceUrl", "rocksdb://" + dataDir.resolve("function-state"));
                w.put("stateStorageProviderImplementation",
                        "org.apache.pulsar.functions.instance.state.PulsarMetadataStateStoreProviderImpl");
            }
        }
        w.put("functionRuntimeFactoryConfigs", factory);
        return w;
    }

    @Override
    public void close() {
        if (client != null) {
            try { client.close(); } catch (Exception ignored) { }
            client = null;
        }
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (standalone != null) {
            standalone.close(); // worker service -> broker -> bookie; removes the JVM shutdown hook
            standalone = null;
        }
        // static, lazily created by function instances (thread runtime / LocalRunner); its thread is non-daemon
        org.apache.pulsar.functions.instance.InstanceCache.shutdown();
        deleteRecursively(dataDir);
    }

    /** The version of the Pulsar broker classes in use. */
    public static String pulsarVersion() {
        String version = PulsarStandaloneStarter.class.getPackage().getImplementationVersion();
        return version != null ? version : org.apache.pulsar.PulsarVersion.getVersion();
    }

    public String getBrokerServiceUrl() { return "pulsar://127.0.0.1:" + brokerPort; }
    public String getWebServiceUrl() { return "http://127.0.0.1:" + webPort; }
    public PulsarAdmin admin() { return admin; }
    public PulsarClient client() { return client; }
    public Duration startupTime() { return startupTime; }
    public Path dataDir() { return dataDir; }
    public int brokerPort() { return brokerPort; }
    public int webPort() { return webPort; }

    // ---------------------------------------------------------------------------------------------

    public static void await(Duration timeout, Callable<Boolean> condition) throws Exception {
        await(timeout, condition, () -> "condition");
    }

    /** Polls {@code condition} until it holds; on timeout says what was awaited and the last error. */
    public static void await(Duration timeout, Callable<Boolean> condition, java.util.function.Supplier<String> what)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what.get()
                + (last != null ? "; last error: " + last : ""), last);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** java.class.path with manifest-only jars (surefire booter, IDE launchers) expanded. */
    public static String expandedClasspath() throws IOException {
        Set<String> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            File f = new File(e);
            out.add(f.getAbsolutePath());
            if (f.isFile() && f.getName().endsWith(".jar")) {
                try (JarFile jar = new JarFile(f)) {
                    Manifest m = jar.getManifest();
                    String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String u : cp.trim().split("\\s+")) {
                            out.add(new File(f.getParentFile().toURI().resolve(u)).getAbsolutePath());
                        }
                    }
                }
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static void writeProperties(Path file, Properties p) throws IOException {
        try (OutputStream os = Files.newOutputStream(file)) {
            p.store(os, "generated by EmbeddedPulsar");
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
