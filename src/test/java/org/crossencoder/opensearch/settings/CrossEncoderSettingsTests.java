/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.settings;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import org.junit.Test;
import org.opensearch.common.settings.Settings;
import org.opensearch.test.OpenSearchTestCase;

public class CrossEncoderSettingsTests extends OpenSearchTestCase {

    private static Settings processors(int processors) {
        return Settings.builder().put("node.processors", processors).build();
    }

    @Test
    public void onnxRuntimeThreadsShareTheProcessorsAmongTheInferenceThreads() {
        assertEquals(8, (int) CrossEncoderSettings.INTRA_OP_THREADS.get(processors(8)));
        Settings twoInferences = Settings.builder()
                .put(processors(8))
                .put("thread_pool.cross_encoder_inference.size", 2)
                .build();
        assertEquals(4, (int) CrossEncoderSettings.INTRA_OP_THREADS.get(twoInferences));
        Settings morePoolThanCores = Settings.builder()
                .put(processors(2))
                .put("thread_pool.cross_encoder_inference.size", 4)
                .build();
        assertEquals("never zero", 1, (int) CrossEncoderSettings.INTRA_OP_THREADS.get(morePoolThanCores));
        CrossEncoderSettings.checkInferencePool(twoInferences);
        int available = Runtime.getRuntime().availableProcessors();
        if (available < 8) {
            // OpenSearch warns of (and will refuse) node.processors beyond the machine's; the plugin reads it as given.
            assertWarnings("setting [node.processors] to value [8] which is more than available processors ["
                    + available + "] is deprecated");
        }
    }

    @Test
    public void aConfigurationAskingForMoreThreadsThanCoresIsRefused() {
        Settings tooMany = Settings.builder()
                .put(processors(2))
                .put("thread_pool.cross_encoder_inference.size", 2)
                .put("plugins.cross_encoder.inference.intra_op_threads", 2)
                .build();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CrossEncoderSettings.checkInferencePool(tooMany));
        assertThat(
                e.getMessage(),
                containsString(
                        "[thread_pool.cross_encoder_inference.size] (2) x [plugins.cross_encoder.inference.intra_op_threads] (2)"));
        assertThat(e.getMessage(), containsString("more than the node's 2 allocated processors"));
        Settings poolOfFourOnTwoCores = Settings.builder()
                .put(processors(2))
                .put("thread_pool.cross_encoder_inference.size", 4)
                .build();
        assertThrows(
                IllegalArgumentException.class, () -> CrossEncoderSettings.checkInferencePool(poolOfFourOnTwoCores));
    }

    /** OpenSearch's fixed pools hand work to their threads only through their queue: without one the pool refuses all. */
    @Test
    public void anInferencePoolWithoutAQueueIsRefused() {
        for (int queueSize : new int[] {0, -2}) {
            Settings noQueue = Settings.builder()
                    .put(processors(2))
                    .put("thread_pool.cross_encoder_inference.queue_size", queueSize)
                    .build();
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> CrossEncoderSettings.checkInferencePool(noQueue));
            assertThat(
                    e.getMessage(),
                    containsString("[thread_pool.cross_encoder_inference.queue_size] is [" + queueSize
                            + "]: it must be at least 1 (or -1, unbounded)"));
        }
        for (int queueSize : new int[] {1, -1}) {
            CrossEncoderSettings.checkInferencePool(Settings.builder()
                    .put(processors(2))
                    .put("thread_pool.cross_encoder_inference.queue_size", queueSize)
                    .build());
        }
    }
}
