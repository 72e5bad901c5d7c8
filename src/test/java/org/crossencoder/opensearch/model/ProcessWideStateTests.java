/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * ML Commons runs its own DJL in the same JVM and reads JVM-wide settings (system properties such as
 * {@code DJL_CACHE_DIR} and {@code ai.djl.offline}): loading our first model, native tokenizer library included,
 * must change none of them, nor the calling thread's context class loader.
 */
public class ProcessWideStateTests {

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
    }
}
