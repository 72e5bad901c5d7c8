/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

/**
 * ML Commons runs its own DJL in the same JVM and reads JVM-wide settings (system properties such as
 * {@code DJL_CACHE_DIR} and {@code ai.djl.offline}): loading our first model, native tokenizer library included,
 * must change none of them, nor the calling thread's context class loader.
 */
public class ProcessWideStateTests extends OpenSearchTestCase {

    @Test
    public void loadingTheFirstModelChangesNoSystemPropertyAndNoThreadsClassLoader() throws Exception {
        Process probe = new ProcessBuilder(
                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ProcessWideStateProbe.class.getName(),
                        TestModels.dir(GeneratedTinyModel.NAME).toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(output, true, probe.waitFor(60, TimeUnit.SECONDS));
        assertEquals(output, 0, probe.exitValue());
        assertThat(output, containsString("system properties written: []"));
        assertThat(output, containsString("context class loader kept: true"));

        // plugin-security.policy names the properties the plugin's libraries read: a new one read must be added there.
        Set<String> granted = grantedPropertyReads(Paths.get("src/main/plugin-metadata/plugin-security.policy"));
        List<String> ungranted = new ArrayList<>();
        for (String line : output.lines()
                .filter(l -> l.startsWith("system property read: "))
                .toList()) {
            String[] callerAndKey =
                    line.substring("system property read: ".length()).split(" ", 2);
            boolean ours = PLUGIN_LIBRARIES.stream().anyMatch(callerAndKey[0]::startsWith);
            if (ours && granted.stream().noneMatch(grant -> implies(grant, callerAndKey[1]))) {
                ungranted.add(callerAndKey[1] + " (read by " + callerAndKey[0] + ")");
            }
        }
        assertThat(output, containsString("system property read: ai.onnxruntime.OnnxRuntime os.name"));
        assertEquals("read without a grant in plugin-security.policy", List.of(), ungranted);
    }

    /** Packages of the jars the plugin zip brings (OpenSearch's own classes have the node's grants). */
    private static final List<String> PLUGIN_LIBRARIES =
            List.of("ai.djl.", "ai.onnxruntime.", "org.slf4j.", "org.crossencoder.", "com.google.gson.");

    private static Set<String> grantedPropertyReads(Path policy) throws Exception {
        Matcher grants = Pattern.compile("java\\.util\\.PropertyPermission \"([^\"]+)\", \"[^\"]*read")
                .matcher(Files.readString(policy));
        Set<String> names = new HashSet<>();
        while (grants.find()) {
            names.add(grants.group(1));
        }
        return names;
    }

    /** {@link java.util.PropertyPermission}'s names: exact, or ending in {@code *} for every name with that prefix. */
    private static boolean implies(String grant, String property) {
        return grant.endsWith("*")
                ? property.startsWith(grant.substring(0, grant.length() - 1))
                : grant.equals(property);
    }
}
