/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.registry;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.test.OpenSearchTestCase;

public class ModelRegistryTests extends OpenSearchTestCase {

    private static final CrossEncoderModel.InferenceOptions OPTIONS = new CrossEncoderModel.InferenceOptions(8, 1);

    @BeforeClass
    public static void needsTheTinyModels() {
        TestModels.assumePresent(TestModels.TINY_BERT, TestModels.TINY_XLM_ROBERTA);
    }

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void loadsEveryModelDirectoryAndExplainsTheOnesItCannot() throws Exception {
        Path root = folder.getRoot().toPath();
        Path good = Files.createDirectories(root.resolve("good"));
        for (String file : List.of(CrossEncoderModel.MODEL_FILE, CrossEncoderModel.TOKENIZER_FILE)) {
            Files.copy(TestModels.dir(TestModels.TINY_BERT).resolve(file), good.resolve(file));
        }
        Path broken = Files.createDirectories(root.resolve("broken"));
        Files.writeString(broken.resolve(CrossEncoderModel.MODEL_FILE), "not an onnx model");
        Files.copy(
                TestModels.dir(TestModels.TINY_BERT).resolve(CrossEncoderModel.TOKENIZER_FILE),
                broken.resolve(CrossEncoderModel.TOKENIZER_FILE));
        Path noTokenizer = Files.createDirectories(root.resolve("no-tokenizer"));
        Files.copy(
                TestModels.dir(TestModels.TINY_BERT).resolve(CrossEncoderModel.MODEL_FILE),
                noTokenizer.resolve(CrossEncoderModel.MODEL_FILE));
        Files.createDirectories(root.resolve("not-a-model"));

        try (ModelRegistry registry = ModelRegistry.load(root, "node-1", OPTIONS, Runnable::run, () -> -1)) {
            assertEquals(Set.of("good"), registry.models().keySet());
            CrossEncoderModel model = registry.get("good");
            assertSame("loaded once, shared", model, registry.get("good"));
            assertEquals(-1.5696858f, model.score(TestModels.BERLIN_QUERY, List.of(TestModels.BERLIN))[0], 1e-5f);

            OpenSearchStatusException brokenError =
                    assertThrows(OpenSearchStatusException.class, () -> registry.get("broken"));
            assertEquals(RestStatus.SERVICE_UNAVAILABLE, brokenError.status());
            assertThat(
                    brokenError.getMessage(),
                    containsString("cross-encoder model [broken] on node [node-1] failed to load"));
            assertThat(
                    assertThrows(OpenSearchStatusException.class, () -> registry.get("no-tokenizer"))
                            .getMessage(),
                    containsString("has no [tokenizer.json]"));
            ResourceNotFoundException unknown =
                    assertThrows(ResourceNotFoundException.class, () -> registry.get("not-a-model"));
            assertEquals(RestStatus.NOT_FOUND, unknown.status());
            assertThat(
                    unknown.getMessage(),
                    containsString(
                            "unknown cross-encoder model [not-a-model] on node [node-1]; loaded models: [good]; failed to load: [broken, no-tokenizer]"));
        }
    }

    @Test
    public void aSymbolicLinkOutOfTheModelsPathIsRefusedWithTheReason() throws Exception {
        Path outside = GeneratedTinyModel.writeTo(folder.newFolder("elsewhere").toPath());
        Path root = folder.newFolder("models").toPath();
        Files.createSymbolicLink(root.resolve("linked-directory"), outside);
        Path linkedFile = Files.createDirectories(root.resolve("linked-file"));
        Files.copy(
                outside.resolve(CrossEncoderModel.TOKENIZER_FILE),
                linkedFile.resolve(CrossEncoderModel.TOKENIZER_FILE));
        Files.createSymbolicLink(
                linkedFile.resolve(CrossEncoderModel.MODEL_FILE), outside.resolve(CrossEncoderModel.MODEL_FILE));
        Path real = Files.createDirectories(root.resolve("versions/v2"));
        for (String file : List.of(CrossEncoderModel.MODEL_FILE, CrossEncoderModel.TOKENIZER_FILE)) {
            Files.copy(outside.resolve(file), real.resolve(file));
        }
        Files.createSymbolicLink(root.resolve("inside"), real);

        try (ModelRegistry registry = ModelRegistry.load(root, "node-1", OPTIONS, Runnable::run, () -> -1)) {
            assertEquals(
                    "a link within the models path is fine",
                    Set.of("inside"),
                    registry.models().keySet());
            for (String name : List.of("linked-directory", "linked-file")) {
                ModelInfo refused = registry.info(name);
                assertEquals(false, refused.loaded());
                assertThat(refused.error(), containsString("is a symbolic link to ["));
                assertThat(refused.error(), containsString("outside the models path [" + root + "]"));
            }
        }
    }

    @Test
    public void aMissingModelsDirectoryMeansNoModels() throws Exception {
        try (ModelRegistry registry = ModelRegistry.load(
                folder.getRoot().toPath().resolve("absent"), "node-1", OPTIONS, Runnable::run, () -> -1)) {
            assertTrue(registry.models().isEmpty());
            assertThat(
                    assertThrows(ResourceNotFoundException.class, () -> registry.get("any"))
                            .getMessage(),
                    containsString("loaded models: [] (from ["));
        }
    }

    private static void copyModel(String testModel, Path target) throws Exception {
        Files.createDirectories(target);
        for (String file : List.of(CrossEncoderModel.MODEL_FILE, CrossEncoderModel.TOKENIZER_FILE)) {
            Files.copy(
                    TestModels.dir(testModel).resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Map<String, ReloadOutcome.Change> changes(List<ReloadOutcome> outcomes) {
        Map<String, ReloadOutcome.Change> changes = new TreeMap<>();
        outcomes.forEach(outcome -> changes.put(outcome.model(), outcome.change()));
        return changes;
    }

    @Test
    public void aReloadLoadsNewModelsReplacesChangedOnesAndRemovesGoneOnesOnlyWhenCommitted() throws Exception {
        Path root = folder.getRoot().toPath();
        copyModel(TestModels.TINY_BERT, root.resolve("a"));
        List<Runnable> retirements = new ArrayList<>();
        try (ModelRegistry registry = ModelRegistry.load(root, "node-1", OPTIONS, retirements::add, () -> -1)) {
            CrossEncoderModel firstA = registry.get("a");
            String firstFingerprint = registry.info("a").fingerprint();
            assertEquals(Map.of("a", ReloadOutcome.Change.UNCHANGED), changes(registry.prepare()));
            assertSame("an unchanged model is not loaded again", firstA, registry.get("a"));

            copyModel(TestModels.TINY_BERT, root.resolve("b"));
            copyModel(TestModels.TINY_XLM_ROBERTA, root.resolve("a"));
            assertEquals(
                    Map.of("a", ReloadOutcome.Change.REPLACED, "b", ReloadOutcome.Change.LOADED),
                    changes(registry.prepare()));
            assertSame("nothing serves differently before the commit", firstA, registry.get("a"));
            assertThrows(ResourceNotFoundException.class, () -> registry.get("b"));
            String newFingerprint = "model.onnx sha256 " + sha256Hex(root.resolve("a/model.onnx"))
                    + ", tokenizer.json sha256 " + sha256Hex(root.resolve("a/tokenizer.json"))
                    + ", max_length 512, truncation longest_first, output logit, probability false";
            assertNotNull(
                    "a search planned on a node that committed finds the new version here already",
                    registry.get("a", newFingerprint));

            registry.commit();
            CrossEncoderModel secondA = registry.get("a");
            assertNotSame(firstA, secondA);
            assertEquals(newFingerprint, registry.info("a").fingerprint());
            assertSame(
                    "a search planned before the commit still finds the old version",
                    firstA,
                    registry.get("a", firstFingerprint));
            assertEquals(
                    "the new version serves", 3, secondA.score(TestModels.BERLIN_QUERY, List.of("x", "y", "z")).length);

            firstA.incRef(); // a request still running on the old version
            assertEquals(1, retirements.size());
            retirements.remove(0).run();
            assertNull("retired: no longer found", registry.get("a", firstFingerprint));
            assertEquals("still held by its running request", 1, firstA.refCount());
            firstA.decRef();
            assertEquals(0, firstA.refCount());

            Files.walk(root.resolve("b"))
                    .sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
            assertEquals(
                    Map.of("a", ReloadOutcome.Change.UNCHANGED, "b", ReloadOutcome.Change.REMOVED),
                    changes(registry.prepare()));
            registry.commit();
            assertThrows(ResourceNotFoundException.class, () -> registry.get("b"));
            assertEquals(1, retirements.size());
        }
    }

    @Test
    public void aModelWhoseNewFilesFailToLoadKeepsServingItsOldVersion() throws Exception {
        Path root = folder.getRoot().toPath();
        copyModel(TestModels.TINY_BERT, root.resolve("a"));
        try (ModelRegistry registry = ModelRegistry.load(root, "node-1", OPTIONS, Runnable::run, () -> -1)) {
            CrossEncoderModel serving = registry.get("a");
            Files.writeString(root.resolve("a/model.onnx"), "not an onnx model");
            List<ReloadOutcome> outcomes = registry.prepare();
            assertEquals(ReloadOutcome.Change.FAILED, outcomes.get(0).change());
            assertNotNull(outcomes.get(0).error());
            registry.commit();
            assertSame(serving, registry.get("a"));
            assertEquals(-1.5696858f, serving.score(TestModels.BERLIN_QUERY, List.of(TestModels.BERLIN))[0], 1e-5f);
        }
    }

    @Test
    public void aChangedConfigAloneReplacesTheModel() throws Exception {
        Path root = folder.getRoot().toPath();
        copyModel(TestModels.TINY_BERT, root.resolve("a"));
        try (ModelRegistry registry = ModelRegistry.load(root, "node-1", OPTIONS, Runnable::run, () -> -1)) {
            String before = registry.info("a").fingerprint();
            Files.writeString(root.resolve("a").resolve(ModelConfig.FILE_NAME), "{\"truncation\": \"only_second\"}");
            assertEquals(Map.of("a", ReloadOutcome.Change.REPLACED), changes(registry.prepare()));
            registry.commit();
            assertEquals("only_second", registry.info("a").truncation());
            assertNotEquals(
                    "nodes compare settings too, not only files",
                    before,
                    registry.info("a").fingerprint());
        }
    }

    private static String sha256Hex(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    public void aModelThatWouldGoOverTheMemoryLimitFailsAndTheOthersKeepServing() throws Exception {
        Path root = folder.getRoot().toPath();
        copyModel(TestModels.TINY_BERT, root.resolve("a"));
        AtomicLong limit = new AtomicLong(-1);
        try (ModelRegistry registry = ModelRegistry.load(root, "node-1", OPTIONS, Runnable::run, limit::get)) {
            long residentA = registry.info("a").residentBytes();
            assertThat(
                    "at least the weights' file",
                    residentA,
                    greaterThanOrEqualTo(Files.size(root.resolve("a/model.onnx"))));
            copyModel(TestModels.TINY_XLM_ROBERTA, root.resolve("c"));
            limit.set(residentA + Files.size(root.resolve("c/model.onnx")) - 1);
            List<ReloadOutcome> outcomes = registry.prepare();
            registry.commit();
            assertEquals(
                    Map.of("a", ReloadOutcome.Change.UNCHANGED, "c", ReloadOutcome.Change.FAILED), changes(outcomes));
            assertThat(
                    outcomes.get(1).error(),
                    containsString("model [c] needs at least "
                            + new ByteSizeValue(Files.size(root.resolve("c/model.onnx"))) + " of memory"));
            assertThat(outcomes.get(1).error(), containsString("over [plugins.cross_encoder.models.memory_limit]"));
            assertEquals(
                    RestStatus.SERVICE_UNAVAILABLE,
                    assertThrows(OpenSearchStatusException.class, () -> registry.get("c"))
                            .status());
            assertEquals(
                    -1.5696858f,
                    registry.get("a").score(TestModels.BERLIN_QUERY, List.of(TestModels.BERLIN))[0],
                    1e-5f);

            limit.set(-1);
            assertEquals(
                    Map.of("a", ReloadOutcome.Change.UNCHANGED, "c", ReloadOutcome.Change.LOADED),
                    changes(registry.prepare()));
        }
    }
}
