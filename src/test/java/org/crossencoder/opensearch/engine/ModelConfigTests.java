/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.nio.file.Files;
import java.nio.file.Path;
import org.crossencoder.opensearch.ranking.Calibration;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.crossencoder.opensearch.ranking.ScoreMode;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.test.OpenSearchTestCase;

public class ModelConfigTests extends OpenSearchTestCase {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void defaultsWithoutAnyConfigFile() throws Exception {
        ModelConfig config = ModelConfig.load(folder.getRoot().toPath());
        assertEquals(512, config.maxLength());
        assertEquals("what Hugging Face does for a pair", ModelConfig.Truncation.LONGEST_FIRST, config.truncation());
        assertNull("output is then taken from the model's output width", config.output());
    }

    @Test
    public void readsItsOwnConfigFile() throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME),
                "{\"max_length\": 256, \"truncation\": \"only_second\", \"output\": \"two_class\"}");
        ModelConfig config = ModelConfig.load(dir);
        assertEquals(256, config.maxLength());
        assertEquals(ModelConfig.Truncation.ONLY_SECOND, config.truncation());
        assertEquals(ModelConfig.Output.TWO_CLASS, config.output());
    }

    @Test
    public void acceptsTheExactLeversTheImportRecords() throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME),
                "{\"max_length\": 128, \"output\": \"logit\", \"exact_levers\": [\"cls_last_layer\"]}");
        assertEquals(128, ModelConfig.load(dir).maxLength());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"exact_levers\": []}");
        assertEquals(
                "informational: it changes no setting",
                new ModelConfig(512, ModelConfig.Truncation.LONGEST_FIRST, null),
                ModelConfig.load(dir));
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"exact_levers\": {\"cls_last_layer\": true}}");
        assertThrows(Exception.class, () -> ModelConfig.load(dir));
    }

    @Test
    public void aModelCanRunWithItsOwnBatchesAndSpinning() throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME),
                "{\"inference\": {\"batch_size\": 2, \"batch_tokens\": 300, \"spinning\": \"off\"}}");
        ModelInference inference = ModelConfig.load(dir).inference();
        assertEquals(new ModelInference(2, 300, CrossEncoderModel.Spinning.OFF), inference);
        CrossEncoderModel.InferenceOptions node = new CrossEncoderModel.InferenceOptions(8, 1024, 1);
        CrossEncoderModel.InferenceOptions own = inference.over(node);
        assertEquals(2, own.batchSize());
        assertEquals(300, own.batchTokens());
        assertEquals(CrossEncoderModel.Spinning.OFF, own.spinning());
        assertEquals("not the model's to choose", node.intraOpThreads(), own.intraOpThreads());

        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"inference\": {\"batch_tokens\": 2048}}");
        CrossEncoderModel.InferenceOptions some =
                ModelConfig.load(dir).inference().over(node);
        assertEquals("what the model leaves out is the node's", 8, some.batchSize());
        assertEquals(2048, some.batchTokens());
        assertEquals(node.spinning(), some.spinning());
        assertEquals(
                "without the object, the node's everything",
                node,
                ModelConfig.load(folder.newFolder().toPath()).inference().over(node));
    }

    @Test
    public void refusesInferenceValuesItCannotRun() throws Exception {
        Path dir = folder.getRoot().toPath();
        for (String[] bad : new String[][] {
            {"{\"batch_size\": 0}", "[inference] [batch_size] must be at least 1 but was [0]"},
            {"{\"batch_tokens\": -5}", "[inference] [batch_tokens] must be at least 1 but was [-5]"},
            {"{\"spinning\": \"sometimes\"}", "sometimes"},
            {"{\"threads\": 4}", "threads"}
        }) {
            Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"inference\": " + bad[0] + "}");
            Exception e = assertThrows(bad[0], Exception.class, () -> ModelConfig.load(dir));
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertThat(bad[0], messages.toString(), containsString(bad[1]));
        }
    }

    @Test
    public void fallsBackToTheHuggingFaceFiles() throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 384}");
        assertEquals(384, ModelConfig.load(dir).maxLength());
        Files.writeString(dir.resolve("config.json"), "{\"max_position_embeddings\": 128}");
        assertEquals(
                "the position table caps the tokenizer's limit",
                128,
                ModelConfig.load(dir).maxLength());
        Files.writeString(
                dir.resolve("tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656}");
        Files.delete(dir.resolve("config.json"));
        assertEquals(
                "Hugging Face's 'no limit' sentinel is ignored",
                512,
                ModelConfig.load(dir).maxLength());
    }

    @Test
    public void rejectsBadConfigFiles() throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"output\": \"softmax\"}");
        Exception e = assertThrows(Exception.class, () -> ModelConfig.load(dir));
        assertThat(
                e.getCause().getMessage(),
                containsString("[output] must be one of [logit, two_class] but was [softmax]"));
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"truncation\": \"only_first\"}");
        assertThat(
                assertThrows(Exception.class, () -> ModelConfig.load(dir))
                        .getCause()
                        .getMessage(),
                containsString("[truncation] must be one of [longest_first, only_second] but was [only_first]"));
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"max_len\": 10}");
        assertThat(
                assertThrows(Exception.class, () -> ModelConfig.load(dir)).getMessage(),
                containsString("unknown field [max_len]"));
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"max_length\": 2}");
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.load(dir))
                        .getMessage(),
                containsString("[max_length] must be at least 8 but was [2]"));
    }

    @Test
    public void outputsTurnRowsIntoScores() {
        assertEquals(2.5f, ModelConfig.Output.LOGIT.score(new float[] {2.5f}, 1), 0f);
        assertEquals(
                "log-odds of the relevant class", 3f, ModelConfig.Output.TWO_CLASS.score(new float[] {-1f, 2f}, 1), 0f);
        assertEquals(
                "a head whose first logit means relevant",
                -3f,
                ModelConfig.Output.TWO_CLASS.score(new float[] {-1f, 2f}, 0),
                0f);
    }

    @Test
    public void readsWhichOfTwoLogitsIsRelevantAndRefusesWhatCannotBe() throws Exception {
        Path dir = folder.getRoot().toPath();
        assertEquals(ModelConfig.DEFAULT_RELEVANT_LABEL, ModelConfig.load(dir).relevantLabel());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"output\": \"two_class\", \"relevant_label\": 0}");
        ModelConfig config = ModelConfig.load(dir);
        assertEquals(0, config.relevantLabel());
        assertEquals("two_class, relevant_label 0", config.describeOutput(config.output()));
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"relevant_label\": 0}");
        assertEquals(
                "the model's output width decides, at load",
                0,
                ModelConfig.load(dir).relevantLabel());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"output\": \"two_class\", \"relevant_label\": 2}");
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.load(dir))
                        .getMessage(),
                containsString("[relevant_label] must be 0 or 1 (which of two logits means relevant) but was [2]"));
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"output\": \"logit\", \"relevant_label\": 0}");
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.load(dir))
                        .getMessage(),
                containsString("[relevant_label] applies to output [two_class] only, and the output is [logit]"));
    }

    @Test
    public void readsADefaultForPassageWindowsAndRefusesOneThatCannotFit() throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME),
                "{\"max_length\": 256, \"passage_windows\": {\"length\": 128, \"combine\": \"mean\"}}");
        ModelConfig config = ModelConfig.load(dir);
        assertEquals(
                new PassageWindows(true, 128, null, null, PassageWindows.Combine.MEAN, null), config.passageWindows());
        assertEquals(new PassageWindows.Resolved(128, 32, 8, PassageWindows.Combine.MEAN, false), config.windows(null));
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME), "{\"max_length\": 256, \"passage_windows\": {\"length\": 300}}");
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.load(dir))
                        .getMessage(),
                containsString("[passage_windows] [length] is [300] tokens, and the model reads at most [256]"));
    }

    @Test
    public void readsACalibrationAndWhetherToScoreWithProbabilities() throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME),
                "{\"calibration\": {\"scale\": 0.5, \"bias\": -2, \"fitted_on\": \"scifact dev\"}, \"probability\": true}");
        ModelConfig config = ModelConfig.load(dir);
        assertEquals(new Calibration(0.5f, -2f, "scifact dev"), config.calibration());
        assertTrue(config.probability());
        assertEquals("sigmoid(0.5 * 4 - 2)", 0.5f, config.calibration().probability(4f), 1e-6f);
        assertEquals("sigmoid(0.5 * logit - 2.0)", config.calibration().describe());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{}");
        assertEquals(
                "no calibration: the plain sigmoid",
                Calibration.NONE,
                ModelConfig.load(dir).calibration());
        assertFalse("logits unless the model says", ModelConfig.load(dir).probability());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"calibration\": {\"scale\": -1, \"bias\": 0}}");
        StringBuilder messages = new StringBuilder();
        for (Throwable e = assertThrows(RuntimeException.class, () -> ModelConfig.load(dir));
                e != null;
                e = e.getCause()) {
            messages.append(e.getMessage());
        }
        assertThat(
                messages.toString(),
                containsString("[calibration] [scale] must be a finite number above 0 but was [-1.0]"));
    }

    @Test
    public void readsADefaultBlendAndRefusesOneNotEveryPathCanApply() throws Exception {
        Path dir = folder.getRoot().toPath();
        assertNull("no default of its own: the plugin's", ModelConfig.load(dir).blend());
        Files.writeString(
                dir.resolve(ModelConfig.FILE_NAME),
                "{\"score_mode\": \"interpolate\", \"normalization\": \"reciprocal_rank\", \"weight\": 0.7}");
        assertEquals(
                new ScoreCombination(
                        ScoreMode.INTERPOLATE,
                        1f,
                        1f,
                        new Interpolation(Interpolation.Normalization.RECIPROCAL_RANK, 0.7f)),
                ModelConfig.load(dir).blend());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"weight\": 0.25}");
        assertEquals(
                "what the file leaves out is the plugin's default; a weight alone means interpolate",
                new ScoreCombination(
                        ScoreMode.INTERPOLATE, 1f, 1f, new Interpolation(Interpolation.Normalization.MIN_MAX, 0.25f)),
                ModelConfig.load(dir).blend());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"score_mode\": \"replace\"}");
        assertEquals(ScoreCombination.REPLACE, ModelConfig.load(dir).blend());

        assertBadBlend(
                "{\"score_mode\": \"total\"}",
                "[cross-encoder.json] default blend: [score_mode] must be [replace] or [interpolate] but was [total]");
        assertBadBlend(
                "{\"score_mode\": \"blend\"}",
                "[cross-encoder.json] default blend: [score_mode] must be one of [replace, total, multiply, avg, max,"
                        + " min, interpolate] but was [blend]");
        assertBadBlend(
                "{\"normalization\": \"z_score\"}",
                "[cross-encoder.json] default blend: [normalization] must be one of [min_max, reciprocal_rank] but was"
                        + " [z_score]");
        assertBadBlend(
                "{\"score_mode\": \"interpolate\", \"weight\": 1.5}",
                "[cross-encoder.json] default blend: [weight] must be between 0 and 1 but was [1.5]");
        assertBadBlend(
                "{\"score_mode\": \"replace\", \"weight\": 0.5}",
                "[cross-encoder.json] default blend: [normalization] and [weight] go with score_mode [interpolate], not"
                        + " [replace]");
    }

    private void assertBadBlend(String file, String message) throws Exception {
        Path dir = folder.getRoot().toPath();
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), file);
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> ModelConfig.load(dir))
                        .getMessage(),
                containsString(message));
    }
}
