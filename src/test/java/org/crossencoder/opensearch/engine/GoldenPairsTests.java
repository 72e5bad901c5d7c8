/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import static org.crossencoder.opensearch.engine.TestModels.BERLIN;
import static org.crossencoder.opensearch.engine.TestModels.BERLIN_QUERY;
import static org.crossencoder.opensearch.engine.TestModels.NEW_YORK;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;

import ai.djl.huggingface.tokenizers.Encoding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.crossencoder.opensearch.registry.ModelInfo;
import org.crossencoder.opensearch.registry.ModelRegistry;
import org.crossencoder.opensearch.registry.ReloadOutcome;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.test.OpenSearchTestCase;

/**
 * A model directory's {@code golden.json} on the generated model: a golden file of its own logits loads; a changed
 * logit, other token ids, another max_length or a malformed file fail the load with the differences in the error, and
 * the registry lists the model as failed with that error (the models API).
 */
public class GoldenPairsTests extends OpenSearchTestCase {

    private static final CrossEncoderModel.InferenceOptions OPTIONS = new CrossEncoderModel.InferenceOptions(8, 1);
    /** Short pairs and one cut at max_length (the generated model reads at most 512 tokens). */
    private static final List<String[]> PAIRS =
            List.of(new String[] {BERLIN_QUERY, BERLIN}, new String[] {BERLIN_QUERY, NEW_YORK}, new String[] {
                "who can visit the museum", "the museum ".repeat(300).trim()
            });

    /** One pair of a golden.json. */
    private record Row(String query, String passage, long[] inputIds, float logit) {
        Row withLogit(float changed) {
            return new Row(query, passage, inputIds, changed);
        }

        String json() {
            return String.format(
                    Locale.ROOT,
                    "{\"query\": \"%s\", \"passage\": \"%s\", \"input_ids\": %s, \"logits\": [%s]}",
                    query,
                    passage,
                    Arrays.toString(inputIds),
                    logit);
        }
    }

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    /** The generated model in a models path of its own, with a golden.json of the rows it gives, passed through {@code change}. */
    private Path modelWithGolden(UnaryOperator<List<Row>> change) throws Exception {
        Path dir = folder.newFolder("models", GeneratedTinyModel.NAME).toPath();
        for (String file : List.of(CrossEncoderModel.MODEL_FILE, CrossEncoderModel.TOKENIZER_FILE)) {
            Files.copy(TestModels.dir(GeneratedTinyModel.NAME).resolve(file), dir.resolve(file));
        }
        List<Row> rows = new ArrayList<>();
        try (CrossEncoderModel model = CrossEncoderModel.load("golden-maker", dir, OPTIONS)) {
            for (String[] pair : PAIRS) {
                Encoding[] encoding = model.encode(pair[0], List.of(pair[1]));
                rows.add(new Row(pair[0], pair[1], encoding[0].getIds(), model.logits(encoding, new int[] {0})[0][0]));
            }
        }
        writeGolden(dir, change.apply(rows));
        return dir;
    }

    private static void writeGolden(Path dir, List<Row> rows) throws Exception {
        Files.writeString(
                dir.resolve(GoldenPairs.FILE_NAME),
                "{\"max_length\": 512, \"truncation\": \"longest_first\", \"pairs\": ["
                        + rows.stream().map(Row::json).collect(Collectors.joining(",\n")) + "]}");
    }

    private static String loadError(Path dir) {
        return assertThrows(IllegalArgumentException.class, () -> CrossEncoderModel.load("checked", dir, OPTIONS))
                .getMessage();
    }

    @Test
    public void aModelThatReproducesItsGoldenPairsLoads() throws Exception {
        Path dir = modelWithGolden(UnaryOperator.identity());
        try (CrossEncoderModel model = CrossEncoderModel.load("checked", dir, OPTIONS)) {
            assertEquals(2, model.score(BERLIN_QUERY, List.of(BERLIN, NEW_YORK)).length);
        }
    }

    @Test
    public void aLogitThatDoesNotReproduceFailsTheLoadNamingThePair() throws Exception {
        float[] shifted = new float[1];
        Path dir = modelWithGolden(rows -> {
            shifted[0] = rows.get(1).logit() + 2e-4f;
            return List.of(rows.get(0), rows.get(1).withLogit(shifted[0]), rows.get(2));
        });
        String error = loadError(dir);
        assertThat(
                error,
                containsString(
                        "model [checked] does not reproduce its [golden.json]: 1 of 3 pairs differ by more than 1.0E-4"));
        assertThat(
                error,
                containsString(
                        "pair 1 (\"How many people live in Berlin?\", \"New York City is famous for the Metropol...\"): logits ["));
        assertThat(error, containsString("where golden.json has [" + shifted[0] + "] (difference 2.00e-04)"));
    }

    @Test
    public void anotherTokenizersIdsFailTheLoad() throws Exception {
        Path dir = modelWithGolden(rows -> {
            long[] ids = rows.get(0).inputIds().clone();
            ids[3] = ids[3] + 1;
            return List.of(
                    new Row(
                            rows.get(0).query(),
                            rows.get(0).passage(),
                            ids,
                            rows.get(0).logit()),
                    rows.get(1),
                    rows.get(2));
        });
        assertThat(
                loadError(dir),
                containsString(
                        "pair 0 (\"How many people live in Berlin?\", \"Berlin has a population of 3,520,031 reg...\"): tokens differ from position 3"));
    }

    @Test
    public void aMaxLengthChangedSinceTheGoldenPairsIsNamed() throws Exception {
        Path dir = modelWithGolden(UnaryOperator.identity());
        Files.writeString(dir.resolve(ModelConfig.FILE_NAME), "{\"max_length\": 64}");
        String error = loadError(dir);
        assertThat(error, containsString("2 of 3 pairs differ"));
        assertThat(
                error,
                containsString(
                        "(it was made with max_length [512] and truncation [longest_first], the model runs with [64] and [longest_first])"));
        assertThat(error, containsString("pair 2 (\"who can visit the museum\""));
    }

    @Test
    public void aMalformedGoldenFileFailsTheLoad() throws Exception {
        Path dir = modelWithGolden(UnaryOperator.identity());
        Files.writeString(dir.resolve(GoldenPairs.FILE_NAME), "{\"pairs\": []}");
        assertThat(
                loadError(dir),
                containsString("[golden.json]: it needs [pairs], a list of (query, passage) pairs with their logits"));
        Files.writeString(
                dir.resolve(GoldenPairs.FILE_NAME),
                "{\"pairs\": [{\"query\": \"q\", \"passage\": \"p\", \"logits\": [\"x\"]}]}");
        assertThat(loadError(dir), containsString("[golden.json]: each pair needs [query] and [passage]"));
    }

    @Test
    public void aListOfReferenceTriplesIsNotTheImportsGoldenFileAndIsNotChecked() throws Exception {
        Path dir = modelWithGolden(UnaryOperator.identity());
        Files.writeString(
                dir.resolve(GoldenPairs.FILE_NAME), "[{\"query\": \"q\", \"passage\": \"p\", \"logit\": 1000}]");
        try (CrossEncoderModel model = CrossEncoderModel.load("checked", dir, OPTIONS)) {
            assertEquals("checked", model.name());
        }
    }

    @Test
    public void theRegistryListsTheFailureAndChecksAGoldenFileChangedUnderAServingModel() throws Exception {
        List<Row> right = new ArrayList<>();
        Path dir = modelWithGolden(rows -> {
            right.addAll(rows);
            return rows.stream().map(row -> row.withLogit(row.logit() + 1)).toList();
        });
        List<Row> wrong =
                right.stream().map(row -> row.withLogit(row.logit() + 1)).toList();
        try (ModelRegistry registry = ModelRegistry.load(dir.getParent(), "node-1", OPTIONS, Runnable::run, () -> -1)) {
            ModelInfo failed = registry.info(GeneratedTinyModel.NAME);
            assertFalse(failed.loaded());
            assertThat(failed.error(), containsString("does not reproduce its [golden.json]: 3 of 3 pairs differ"));
            writeGolden(dir, right);
            registry.prepare();
            registry.commit();
            assertTrue(registry.info(GeneratedTinyModel.NAME).loaded());
            writeGolden(dir, wrong);
            List<ReloadOutcome> outcomes = registry.prepare();
            registry.commit();
            assertEquals(ReloadOutcome.Change.FAILED, outcomes.get(0).change());
            assertThat(outcomes.get(0).error(), containsString("3 of 3 pairs differ"));
            assertTrue(
                    "the version that reproduced it keeps serving",
                    registry.info(GeneratedTinyModel.NAME).loaded());
        }
    }
}
