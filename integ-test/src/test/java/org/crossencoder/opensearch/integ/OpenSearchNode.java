/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.TestModels;

/**
 * A real OpenSearch process from the distribution Maven unpacked, with the plugin zip this build produced
 * installed by {@code bin/opensearch-plugin}, and its models put in place by {@code models/fetch-model.sh}.
 * OpenSearch refuses to run as root, so under root the node runs as {@code nobody} through setpriv.
 * <p>
 * When the build names the security plugin's zip ({@code tests.security.plugin.zip}, Maven's {@code security}
 * profile: {@code scripts/test-security.sh}), every node of the test JVM runs it, configured by the plugin's own
 * {@code install_demo_configuration.sh} (demo TLS certificates, the demo users and roles, {@link #ADMIN} with
 * {@link #ADMIN_PASSWORD}); the node then serves HTTPS and its {@link #client()} calls it as {@link #ADMIN}.
 */
public final class OpenSearchNode implements Closeable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final String UNPRIVILEGED = "65534";
    private static boolean pluginInstalled;

    /** The security plugin's zip, or empty for nodes without it. */
    private static final String SECURITY_PLUGIN_ZIP = System.getProperty("tests.security.plugin.zip", "");
    /** The secured nodes' administrator (the security plugin's demo user with {@code all_access}). */
    public static final String ADMIN = "admin";
    /** Strong, and unlike the user name, for the security plugin's password check (2.12 on). */
    public static final String ADMIN_PASSWORD = "Vq8!fGz3#Lp0-Tw";

    private final String name;
    private final Path directory;
    private final Process process;
    private final String httpAddress;
    private final String transportAddress;
    private final RestClient client;

    private OpenSearchNode(String name, Path directory, Process process, String httpAddress, String transportAddress) {
        this.name = name;
        this.directory = directory;
        this.process = process;
        this.httpAddress = httpAddress;
        this.transportAddress = transportAddress;
        this.client = isSecured() ? RestClient.https(httpAddress, ADMIN, ADMIN_PASSWORD) : new RestClient(httpAddress);
    }

    /** Whether the nodes of this test JVM run the security plugin. */
    public static boolean isSecured() {
        return SECURITY_PLUGIN_ZIP.isEmpty() == false;
    }

    /**
     * Starts a node named {@code name} with the given models (directories of {@code modelsSource}) in its
     * models path and the given extra settings ({@code -E} options), and waits until it answers HTTP.
     */
    public static OpenSearchNode start(
            String name, Path modelsSource, List<String> models, Map<String, String> settings)
            throws IOException, InterruptedException {
        return start(name, modelsSource, models, settings, "768m", directory -> {});
    }

    /** A node directory about to start: the place to put files a node needs before it runs. */
    public interface Preparation {
        void prepare(Path nodeDirectory) throws IOException;
    }

    /** As {@link #start(String, Path, List, Map)}, with a heap size and a step that runs before the node starts. */
    public static OpenSearchNode start(
            String name,
            Path modelsSource,
            List<String> models,
            Map<String, String> settings,
            String heap,
            Preparation preparation)
            throws IOException, InterruptedException {
        Path home = installedHome();
        Path directory = Paths.get(System.getProperty("tests.work.dir")).resolve(name);
        deleteRecursively(directory);
        Path config = directory.resolve("config");
        Files.createDirectories(config);
        // With the security plugin, its certificates and opensearch-security/ (what initializes its index) too.
        try (Stream<Path> files = Files.walk(home.resolve("config"))) {
            for (Path file : files.toList()) {
                Path copy =
                        config.resolve(home.resolve("config").relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(file, copy);
                }
            }
        }
        Files.createDirectories(config.resolve("jvm.options.d"));
        Files.createDirectories(directory.resolve("logs"));
        Files.createDirectories(directory.resolve("data"));
        // The distribution's jvm.options writes GC logs and heap dumps relative to the shared home; keep them per node.
        Path jvmOptions = config.resolve("jvm.options");
        Files.writeString(
                jvmOptions,
                Files.readString(jvmOptions)
                        .replace("file=logs/", "file=" + directory.resolve("logs") + "/")
                        .replace("ErrorFile=logs/", "ErrorFile=" + directory.resolve("logs") + "/")
                        .replace("HeapDumpPath=data", "HeapDumpPath=" + directory.resolve("data")));
        for (String model : models) {
            // The generated test models are written under the build directory, not kept with the others.
            Path from = GeneratedTinyModel.NAME.equals(model) || GeneratedTinyModel.SLOW_NAME.equals(model)
                    ? TestModels.dir(model).getParent()
                    : modelsSource;
            run(
                    List.of(
                            System.getProperty("tests.fetch.script"),
                            model,
                            config.resolve("cross-encoder-models").toString()),
                    Map.of("CROSS_ENCODER_MODELS_FROM", from.toString()));
        }
        preparation.prepare(directory);
        if (isRoot()) {
            run(List.of("chown", "-R", UNPRIVILEGED + ":" + UNPRIVILEGED, directory.toString()), Map.of());
        }

        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.addAll(List.of("setpriv", "--reuid=" + UNPRIVILEGED, "--regid=" + UNPRIVILEGED, "--clear-groups"));
        }
        command.add(home.resolve("bin/opensearch").toString());
        command.add("-Enode.name=" + name);
        command.add("-Epath.data=" + directory.resolve("data"));
        command.add("-Epath.logs=" + directory.resolve("logs"));
        command.add("-Ehttp.port=9400-9499");
        command.add("-Etransport.port=9500-9599");
        command.add("-Enode.portsfile=true");
        settings.forEach((key, value) -> command.add("-E" + key + "=" + value));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("console.log").toFile());
        builder.environment().put("OPENSEARCH_PATH_CONF", config.toString());
        builder.environment().put("OPENSEARCH_JAVA_HOME", javaHome());
        builder.environment().put("OPENSEARCH_JAVA_OPTS", "-Xms" + heap + " -Xmx" + heap);
        Process process = builder.start();

        Path httpPorts = directory.resolve("logs/http.ports");
        Path transportPorts = directory.resolve("logs/transport.ports");
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Files.exists(httpPorts) == false || Files.exists(transportPorts) == false) {
            if (process.isAlive() == false || Instant.now().isAfter(deadline)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        "node [" + name + "] did not start:\n" + tail(directory.resolve("console.log")));
            }
            Thread.sleep(200);
        }
        OpenSearchNode node =
                new OpenSearchNode(name, directory, process, ipv4Address(httpPorts), ipv4Address(transportPorts));
        try {
            node.awaitHttp(deadline);
        } catch (RuntimeException | InterruptedException e) {
            node.close(); // a node that never answers must not outlive the test
            throw e;
        }
        return node;
    }

    /** The node binds every loopback address; the ports file lists them, IPv6 first. */
    private static String ipv4Address(Path portsFile) throws IOException {
        List<String> addresses = Files.readAllLines(portsFile);
        return addresses.stream()
                .filter(a -> a.startsWith("[") == false)
                .findFirst()
                .orElse(addresses.get(0));
    }

    private void awaitHttp(Instant deadline) throws InterruptedException {
        while (true) {
            try {
                if (client.request("GET", "/", null).status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the port file is written before the REST layer answers
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(
                        "node [" + name + "] never answered HTTP:\n" + tail(directory.resolve("console.log")));
            }
            Thread.sleep(200);
        }
    }

    /** The distribution with this build's plugin zip (and the other test plugins) installed; once per test JVM. */
    private static synchronized Path installedHome() throws IOException, InterruptedException {
        Path home = Paths.get(System.getProperty("tests.opensearch.home"));
        if (pluginInstalled == false) {
            List<Path> zips = new ArrayList<>();
            Path extraPlugins = Paths.get(System.getProperty("tests.extra.plugins.dir"));
            if (Files.isDirectory(extraPlugins)) {
                try (Stream<Path> files = Files.list(extraPlugins)) {
                    files.filter(f -> f.toString().endsWith(".zip")).sorted().forEach(zips::add);
                }
            }
            if (isSecured()) {
                zips.add(securityPluginZip(home));
            }
            zips.add(Paths.get(System.getProperty("tests.plugin.zip")));
            try (Stream<Path> installed = Files.list(home.resolve("plugins"))) {
                for (Path plugin : installed.toList()) {
                    deleteRecursively(plugin);
                }
            }
            for (Path zip : zips) {
                install(home, zip);
            }
            if (isSecured()) {
                configureSecurity(home);
            }
            pluginInstalled = true;
        }
        return home;
    }

    /**
     * Installs a plugin zip with {@code bin/opensearch-plugin}. OpenSearch 3.0's tool reads a plugin's policy with the
     * JDK's {@code JavaPolicy}, which Java 24 removed (3.0 bundles Java 21; 3.1 reads it itself): there, and only there,
     * the zip is unpacked into {@code plugins/} as the tool does once it has shown the permissions. The node checks the
     * plugin (descriptor, versions, jar hell) as it starts all the same.
     */
    private static void install(Path home, Path zip) throws IOException, InterruptedException {
        try {
            run(
                    List.of(
                            home.resolve("bin/opensearch-plugin").toString(),
                            "install",
                            "--batch",
                            zip.toUri().toString()),
                    Map.of("OPENSEARCH_JAVA_HOME", javaHome()));
        } catch (IllegalStateException e) {
            if (e.getMessage().contains("JavaPolicy Policy not available") == false) {
                throw e;
            }
            try (ZipFile plugin = new ZipFile(zip.toFile())) {
                Properties descriptor = new Properties();
                try (InputStream in = plugin.getInputStream(plugin.getEntry("plugin-descriptor.properties"))) {
                    descriptor.load(in);
                }
                Path target = home.resolve("plugins").resolve(descriptor.getProperty("name"));
                for (ZipEntry entry : Collections.list(plugin.entries())) {
                    Path file = target.resolve(entry.getName()).normalize();
                    if (file.startsWith(target) == false) {
                        throw new IOException("[" + entry.getName() + "] leads out of the plugin's directory");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(file);
                    } else {
                        Files.createDirectories(file.getParent());
                        try (InputStream in = plugin.getInputStream(entry)) {
                            Files.copy(in, file);
                        }
                    }
                }
            }
            System.out.println("NOTE: unpacked " + zip.getFileName() + " into plugins/: " + home.getFileName()
                    + "'s opensearch-plugin cannot read a plugin policy on Java "
                    + Runtime.version().feature());
        }
    }

    /**
     * The security plugin's zip, as a copy whose descriptor marks optional each plugin it extends that the distribution
     * lacks. From 3.0 it extends the {@code rule-framework} module of the full distribution (to tag requests by user for
     * workload management, through a service-loader extension only), which the integ-test distribution does not have;
     * the copy then also holds the library it takes from that module (commons-collections4, which Maven puts in
     * {@code rule-framework/} beside the zip).
     */
    private static Path securityPluginZip(Path home) throws IOException {
        Path original = Paths.get(SECURITY_PLUGIN_ZIP);
        Path copy = Paths.get(System.getProperty("tests.work.dir")).resolve(original.getFileName());
        Files.createDirectories(copy.getParent());
        Files.copy(original, copy, StandardCopyOption.REPLACE_EXISTING);
        try (FileSystem zip = FileSystems.newFileSystem(copy)) {
            Path descriptor = zip.getPath("plugin-descriptor.properties");
            String prefix = "extended.plugins=";
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(descriptor)) {
                if (line.startsWith(prefix) && line.length() > prefix.length()) {
                    List<String> extended = new ArrayList<>();
                    for (String plugin : line.substring(prefix.length()).split(",")) {
                        String name = plugin.split(";")[0].strip();
                        if (plugin.contains("optional=true")
                                || Files.isDirectory(home.resolve("modules").resolve(name))
                                || Files.isDirectory(home.resolve("plugins").resolve(name))) {
                            extended.add(plugin);
                            continue;
                        }
                        extended.add(name + ";optional=true");
                        Path standIns = original.resolveSibling(name);
                        if (Files.isDirectory(standIns)) {
                            try (Stream<Path> jars = Files.list(standIns)) {
                                for (Path jar : jars.toList()) {
                                    Files.copy(
                                            jar, zip.getPath(jar.getFileName().toString()));
                                }
                            }
                        }
                    }
                    line = prefix + String.join(",", extended);
                }
                lines.add(line);
            }
            Files.write(descriptor, lines);
        }
        return copy;
    }

    /**
     * The security plugin's demo configuration, once per distribution (the nodes copy its config): certificates, the
     * TLS and admin settings in opensearch.yml, the demo users with {@link #ADMIN_PASSWORD}. {@code -s}: nothing is
     * started; {@code -i}: a node initializes the security index from {@code config/opensearch-security/} as it starts.
     */
    private static void configureSecurity(Path home) throws IOException, InterruptedException {
        if (Files.readString(home.resolve("config/opensearch.yml")).contains("plugins.security.ssl")) {
            return;
        }
        run(
                List.of(
                        "bash",
                        home.resolve("plugins/opensearch-security/tools/install_demo_configuration.sh")
                                .toString(),
                        "-y",
                        "-i",
                        "-s"),
                Map.of(
                        "OPENSEARCH_INITIAL_ADMIN_PASSWORD",
                        ADMIN_PASSWORD,
                        "JAVA_HOME",
                        javaHome(),
                        "OPENSEARCH_JAVA_HOME",
                        javaHome()));
    }

    private static void run(List<String> command, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }

    /** The JDK the node runs on: the tests' own unless the build names another (2.19 needs a security manager). */
    private static String javaHome() {
        return System.getProperty("tests.node.java.home", System.getProperty("java.home"));
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Deletes a file or a directory tree; nothing if it does not exist. */
    static void deleteRecursively(Path path) throws IOException {
        if (Files.exists(path)) {
            try (Stream<Path> paths = Files.walk(path)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    public RestClient client() {
        return client;
    }

    public String name() {
        return name;
    }

    public String httpAddress() {
        return httpAddress;
    }

    public String transportAddress() {
        return transportAddress;
    }

    /** The node's models path, where a test may add, replace or remove model directories before a reload. */
    public Path modelsPath() {
        return directory.resolve("config").resolve("cross-encoder-models");
    }

    /** The node's own log, for assertions on what it reported. */
    public Path logFile() {
        return directory.resolve("console.log");
    }

    /** Stops the node's processes where they are (SIGSTOP), as a node that hangs: its connections stay open. */
    public void freeze() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-STOP", Long.toString(process.pid())));
        process.descendants().forEach(child -> command.add(Long.toString(child.pid())));
        run(command, Map.of());
    }

    /** Kills the node's processes at once (SIGKILL), as a node that crashes: its connections close. */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) == false) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
