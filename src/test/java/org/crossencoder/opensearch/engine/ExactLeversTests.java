/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.startsWith;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

/** The exact levers as a node applies them at load ({@link ExactLevers}), on real graphs. */
public class ExactLeversTests extends OpenSearchTestCase {

    private static final String QUERY = "what do statins do to cholesterol";
    private static final List<String> PASSAGES = List.of(
            "Statins lower LDL cholesterol by inhibiting HMG-CoA reductase in the liver.",
            "The river flooded the valley after three days of rain.",
            "Cholesterol. ".repeat(400),
            "Lipid-lowering therapy with statins reduces cardiovascular events in patients with high cholesterol.");

    private static CrossEncoderModel load(String name, boolean exactLevers) throws Exception {
        return CrossEncoderModel.load(
                name, TestModels.dir(name), new CrossEncoderModel.InferenceOptions(8, 1024, 1, exactLevers));
    }

    @Test
    public void aHandCopiedBertModelRunsWithItsLastLayerAtClsOnlyAndTheSameScores() throws Exception {
        TestModels.assumePresent(TestModels.TRAINED);
        try (CrossEncoderModel own = load(TestModels.TRAINED, false);
                CrossEncoderModel levered = load(TestModels.TRAINED, true)) {
            assertEquals(List.of(), own.exactLevers().applied());
            assertEquals(
                    "turned off by [" + CrossEncoderSettings.EXACT_LEVERS.getKey() + "]",
                    own.exactLevers().reason());
            assertEquals(List.of(ClsLastLayer.NAME), levered.exactLevers().applied());
            assertEquals("load", levered.exactLevers().at());
            assertNull(levered.exactLevers().reason());
            float[] expected = own.score(QUERY, PASSAGES);
            float[] actual = levered.score(QUERY, PASSAGES);
            for (int i = 0; i < expected.length; i++) {
                assertEquals("passage " + i, expected[i], actual[i], ExactLevers.TOLERANCE);
            }
            // A ranking the model makes, not noise: the statin passages above the flood.
            assertTrue(actual[0] > actual[1] && actual[3] > actual[1]);
        }
    }

    @Test
    public void anXlmRobertaModelGetsTheLeverToo() throws Exception {
        TestModels.assumePresent(TestModels.TINY_XLM_ROBERTA);
        try (CrossEncoderModel own = load(TestModels.TINY_XLM_ROBERTA, false);
                CrossEncoderModel levered = load(TestModels.TINY_XLM_ROBERTA, true)) {
            assertEquals(
                    levered.exactLevers().reason(),
                    List.of(ClsLastLayer.NAME),
                    levered.exactLevers().applied());
            // Its vocabulary has 100 tokens and its positions end at 62: text it can read.
            List<String> passages = List.of("a", "abc abc", "hello world hello world hello");
            float[] expected = own.score("abc", passages);
            float[] actual = levered.score("abc", passages);
            for (int i = 0; i < expected.length; i++) {
                assertEquals("passage " + i, expected[i], actual[i], ExactLevers.TOLERANCE);
            }
        }
    }

    @Test
    public void aGraphTheLeverDoesNotKnowRunsAsItIsAndSaysWhy() throws Exception {
        try (CrossEncoderModel model = load(GeneratedTinyModel.NAME, true)) {
            assertThat(model.exactLevers().applied(), empty());
            assertThat(
                    model.exactLevers().reason(), startsWith("not a Hugging Face BERT, XLM-RoBERTa or ELECTRA export"));
            assertEquals(3, model.score(QUERY, PASSAGES.subList(0, 3)).length);
        }
    }

    @Test
    public void aRewriteWhoseLogitsDifferIsRefusedAndTheModelsOwnGraphServes() throws Exception {
        TestModels.assumePresent(TestModels.TRAINED);
        Path modelFile = TestModels.dir(TestModels.TRAINED).resolve(CrossEncoderModel.MODEL_FILE);
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        List<OrtSession> opened = new ArrayList<>();
        ExactLevers.Sessions sessions = file -> {
            OrtSession session = environment.createSession(file.toString());
            opened.add(session);
            return session;
        };
        AtomicInteger runs = new AtomicInteger();
        // The second run is the rewrite's: its logits come back moved by twice the tolerance.
        ExactLevers.Probe probe =
                session -> new float[][] {{runs.incrementAndGet() == 2 ? 2 * ExactLevers.TOLERANCE : 0f}};
        ExactLevers.Levered levered =
                ExactLevers.apply("refused", modelFile, sessions.open(modelFile), sessions, probe);
        try {
            assertThat(levered.outcome().applied(), empty());
            assertThat(levered.outcome().reason(), containsString("differ from the model's own by 2.00e-04"));
            assertEquals("the original, its rewrite, the original again", 3, opened.size());
            assertSame(opened.get(2), levered.session());
            assertFalse(
                    "the served graph is the file's own",
                    levered.session().getMetadata().getGraphName().contains("cls_last_layer"));
        } finally {
            levered.session().close();
        }
    }
}
