/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.InferenceBudget;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.crossencoder.opensearch.engine.TestModels;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.test.OpenSearchTestCase;

/**
 * Probabilities and ensembles through the inference service: copies of the model the build generates, each with its
 * own calibration ({@code same-tokens-*} read pairs alike, {@code shorter} reads at most 16 tokens), and where
 * {@code ../shared} is, the two trained models, which share a tokenizer but not their weights.
 */
public class EnsembleTests extends OpenSearchTestCase {

    @ClassRule
    public static final TemporaryFolder folder = new TemporaryFolder();

    private static final String QUERY = "how many people live in berlin";
    private static final List<String> PASSAGES = List.of(
            "berlin has a population of about four million people living in the city",
            "the museum of art is in new york",
            "people",
            "berlin berlin berlin live many how");

    private static InlineInference inline;
    private static InferenceService inference;

    @BeforeClass
    public static void startInference() throws Exception {
        Path models = folder.newFolder("models").toPath();
        Path generated =
                GeneratedTinyModel.writeTo(folder.newFolder("generated").toPath());
        copy(
                generated,
                models.resolve("same-tokens-a"),
                "{\"calibration\":{\"scale\":2,\"bias\":-1},\"probability\":true}");
        copy(
                generated,
                models.resolve("same-tokens-b"),
                "{\"calibration\":{\"scale\":0.5,\"bias\":1,\"fitted_on\":\"x\"}}");
        copy(generated, models.resolve("shorter"), "{\"max_length\":16}");
        inline = new InlineInference(models, new CrossEncoderModel.InferenceOptions(2, 1));
        inference = inline.service();
    }

    @AfterClass
    public static void stopInference() {
        inline.close();
    }

    /** A copy of a model directory's files, with {@code config} (if not null) as its {@code cross-encoder.json}. */
    private static void copy(Path from, Path to, String config) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
        if (config != null) {
            Files.writeString(to.resolve(ModelConfig.FILE_NAME), config);
        }
    }

    private static PassageScores score(ModelSelection selection) {
        return score(selection, QUERY);
    }

    private static PassageScores score(ModelSelection selection, String query) {
        return inference
                .plan(inference.models().ensemble(selection, null), query, null)
                .scoreAndWait(PASSAGES, InferenceBudget.UNLIMITED);
    }

    private static ModelSelection models(Boolean probability, ModelSelection.Member... members) {
        return new ModelSelection(List.of(members), probability);
    }

    private static ModelSelection.Member member(String name, float weight) {
        return new ModelSelection.Member(name, weight, null);
    }

    @Test
    public void theScoreIsTheWeightedMeanOfEachModelsCalibratedProbability() throws Exception {
        float[] logits = inference.models().model("same-tokens-a").score(QUERY, PASSAGES);
        PassageScores scores = score(models(true, member("same-tokens-a", 1), member("same-tokens-b", 3)));
        for (int i = 0; i < PASSAGES.size(); i++) {
            double a = 1 / (1 + Math.exp(-(2.0 * logits[i] - 1)));
            double b = 1 / (1 + Math.exp(-(0.5 * logits[i] + 1)));
            assertEquals("passage " + i, 0.25 * a + 0.75 * b, scores.score(i), 1e-5);
            assertEquals("each model's logit is kept for explain", logits[i], scores.members()[1].score(i), 1e-5f);
        }
    }

    @Test
    public void oneModelsLogitsPassThroughUnlessAProbabilityIsAsked() throws Exception {
        float[] logits = inference.models().model("same-tokens-b").score(QUERY, PASSAGES);
        PassageScores plain = score(models(null, member("same-tokens-b", 1)));
        assertArrayEquals(logits, plain.scores(), 1e-5f);
        assertNull("nothing to explain beyond the logit", plain.members());
        PassageScores probabilities = score(models(true, member("same-tokens-b", 1)));
        for (int i = 0; i < PASSAGES.size(); i++) {
            assertEquals(1 / (1 + Math.exp(-(0.5 * logits[i] + 1))), probabilities.score(i), 1e-5);
        }
        assertEquals(
                "the model's own default: probabilities",
                inference.models().model("same-tokens-a").config().calibration().probability(logits[0]),
                score(models(null, member("same-tokens-a", 1))).score(0),
                1e-6f);
    }

    @Test
    public void withWindowsTheFirstModelCutsThemAndEveryModelReadsTheSame() {
        String longText = String.join(" ", Collections.nCopies(12, PASSAGES.get(0)));
        PassageWindows.Resolved windows = new PassageWindows.Resolved(20, 4, 8, PassageWindows.Combine.MAX, true);
        Ensemble ensemble =
                inference.models().ensemble(models(true, member("same-tokens-a", 1), member("same-tokens-b", 1)), null);
        PassageScores scores =
                inference.plan(ensemble, QUERY, windows).scoreAndWait(List.of(longText), InferenceBudget.UNLIMITED);
        PassageWindowScores a = scores.members()[0].windows(0);
        PassageWindowScores b = scores.members()[1].windows(0);
        assertTrue("read in several windows", a.count() > 1);
        assertArrayEquals("the same windows for both", a.starts(), b.starts());
        double expected = 0.5
                        * inference
                                .models()
                                .model("same-tokens-a")
                                .config()
                                .calibration()
                                .probability(scores.members()[0].score(0))
                + 0.5
                        * inference
                                .models()
                                .model("same-tokens-b")
                                .config()
                                .calibration()
                                .probability(scores.members()[1].score(0));
        assertEquals("each model's windows combine, then the models average", expected, scores.score(0), 1e-5);
        PassageWindowScores shown = scores.windows(0);
        assertEquals("the first model's windows are shown", a.best(), shown.best());
        assertEquals(
                "as probabilities",
                inference.models().model("same-tokens-a").config().calibration().probability(a.scores()[a.best()]),
                shown.scores()[shown.best()],
                1e-6f);
    }

    @Test
    public void modelsThatReadTheSameTokensAreTokenizedOnce() {
        Ensemble ensemble = inference
                .models()
                .ensemble(
                        models(false, member("same-tokens-a", 1), member("shorter", 1), member("same-tokens-b", 1)),
                        null);
        assertEquals(List.of(List.of(0, 2), List.of(1)), ensemble.tokenizerGroups());
    }

    @Test
    public void whatOneModelHasCachedOnlyTheOthersRun() {
        // A query of its own: the score cache outlives each test, and tests run in random order.
        String query = "who counted the people of berlin";
        long before = inference.stats().pairs();
        score(models(false, member("shorter", 1)), query);
        assertEquals(PASSAGES.size(), inference.stats().pairs() - before);
        PassageScores both = score(models(false, member("shorter", 1), member("same-tokens-b", 2)), query);
        assertEquals(
                "the cached model ran no pair again",
                2L * PASSAGES.size(),
                inference.stats().pairs() - before);
        assertEquals(PASSAGES.size(), both.scoredCount());
    }

    @Test
    public void modelsThatDisagreeOnProbabilitiesNeedTheRequestToSay() {
        String message = assertThrows(
                        IllegalArgumentException.class,
                        () -> inference
                                .models()
                                .ensemble(models(null, member("same-tokens-a", 1), member("same-tokens-b", 1)), null))
                .getMessage();
        assertThat(message, containsString("models [same-tokens-a] and [same-tokens-b] disagree on [probability]"));
        assertEquals(
                false,
                inference
                        .models()
                        .ensemble(models(false, member("same-tokens-a", 1), member("same-tokens-b", 1)), null)
                        .probability());
    }

    @Test
    public void theTrainedModelsShareTokensAndScoreAsEachAlone() throws Exception {
        TestModels.assumePresent(TestModels.TRAINED, TestModels.TRAINED_NF);
        Path models = folder.newFolder("trained").toPath();
        for (String name : List.of(TestModels.TRAINED, TestModels.TRAINED_NF)) {
            copy(TestModels.dir(name), models.resolve(name), null);
        }
        try (InlineInference trained = new InlineInference(models, new CrossEncoderModel.InferenceOptions(4, 1))) {
            InferenceService service = trained.service();
            Ensemble ensemble = service.models()
                    .ensemble(models(false, member(TestModels.TRAINED, 1), member(TestModels.TRAINED_NF, 1)), null);
            assertEquals("one tokenizer for both", List.of(List.of(0, 1)), ensemble.tokenizerGroups());
            PassageScores scores =
                    service.plan(ensemble, QUERY, null).scoreAndWait(PASSAGES, InferenceBudget.UNLIMITED);
            float[] sci = service.models().model(TestModels.TRAINED).score(QUERY, PASSAGES);
            float[] nf = service.models().model(TestModels.TRAINED_NF).score(QUERY, PASSAGES);
            for (int i = 0; i < PASSAGES.size(); i++) {
                assertEquals(sci[i], scores.members()[0].score(i), 1e-4f);
                assertEquals(nf[i], scores.members()[1].score(i), 1e-4f);
                assertEquals((sci[i] + nf[i]) / 2, scores.score(i), 1e-4f);
            }
        }
    }
}
