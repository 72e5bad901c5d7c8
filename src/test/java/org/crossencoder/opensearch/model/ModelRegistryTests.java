package org.crossencoder.opensearch.model;

import org.junit.Rule;
import org.junit.Test;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.core.rest.RestStatus;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

public class ModelRegistryTests {

    private static final CrossEncoderModel.InferenceOptions OPTIONS = new CrossEncoderModel.InferenceOptions(8, 1);

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void loadsEveryModelDirectoryAndExplainsTheOnesItCannot() throws Exception {
        Path root = folder.getRoot().toPath();
        Path good = Files.createDirectories(root.resolve("good"));
        for (String file : List.of(CrossEncoderModel.MODEL_FILE, PairEncoder.TOKENIZER_FILE)) {
            Files.copy(TestModels.dir(TestModels.TINY_BERT).resolve(file), good.resolve(file));
        }
        Path broken = Files.createDirectories(root.resolve("broken"));
        Files.writeString(broken.resolve(CrossEncoderModel.MODEL_FILE), "not an onnx model");
        Files.copy(TestModels.dir(TestModels.TINY_BERT).resolve(PairEncoder.TOKENIZER_FILE), broken.resolve(PairEncoder.TOKENIZER_FILE));
        Path noTokenizer = Files.createDirectories(root.resolve("no-tokenizer"));
        Files.copy(TestModels.dir(TestModels.TINY_BERT).resolve(CrossEncoderModel.MODEL_FILE), noTokenizer.resolve(CrossEncoderModel.MODEL_FILE));
        Files.createDirectories(root.resolve("not-a-model"));

        try (ModelRegistry registry = ModelRegistry.load(root, "node-1", OPTIONS)) {
            assertEquals(Set.of("good"), registry.models().keySet());
            CrossEncoderModel model = registry.get("good");
            assertSame("loaded once, shared", model, registry.get("good"));
            assertEquals(-1.5696858f, model.score(TestModels.BERLIN_QUERY, List.of(TestModels.BERLIN))[0], 1e-5f);

            OpenSearchStatusException brokenError = assertThrows(OpenSearchStatusException.class, () -> registry.get("broken"));
            assertEquals(RestStatus.SERVICE_UNAVAILABLE, brokenError.status());
            assertThat(brokenError.getMessage(), containsString("cross-encoder model [broken] on node [node-1] failed to load"));
            assertThat(
                assertThrows(OpenSearchStatusException.class, () -> registry.get("no-tokenizer")).getMessage(),
                containsString("has no [tokenizer.json]")
            );
            ResourceNotFoundException unknown = assertThrows(ResourceNotFoundException.class, () -> registry.get("not-a-model"));
            assertEquals(RestStatus.NOT_FOUND, unknown.status());
            assertThat(
                unknown.getMessage(),
                containsString(
                    "unknown cross-encoder model [not-a-model] on node [node-1]; loaded models: [good]; failed to load: [broken, no-tokenizer]"
                )
            );
        }
    }

    @Test
    public void aMissingModelsDirectoryMeansNoModels() throws Exception {
        try (ModelRegistry registry = ModelRegistry.load(folder.getRoot().toPath().resolve("absent"), "node-1", OPTIONS)) {
            assertTrue(registry.models().isEmpty());
            assertThat(
                assertThrows(ResourceNotFoundException.class, () -> registry.get("any")).getMessage(),
                containsString("loaded models: [] (from [")
            );
        }
    }
}
