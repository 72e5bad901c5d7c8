/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Assume;

/** The models of {@code ../shared/models} that the tests run (see its README). */
public final class TestModels {

    public static final String TINY_BERT = "tiny-random-bert-cross-encoder";
    public static final String TINY_XLM_ROBERTA = "tiny-xlm-roberta-ce-random";
    public static final String MS_MARCO = "ms-marco-MiniLM-L-6-v2";
    /** The trained cross-encoder, and a second one with the same tokenizer (weights stored as fp16). */
    public static final String TRAINED = "minilm-l6-sci-cross-encoder";

    public static final String TRAINED_NF = "minilm-l6-nf-cross-encoder-fp16";

    public static final String BERLIN_QUERY = "How many people live in Berlin?";
    public static final String BERLIN =
            "Berlin has a population of 3,520,031 registered inhabitants in an area of 891.82 square kilometers.";
    public static final String NEW_YORK = "New York City is famous for the Metropolitan Museum of Art.";

    private TestModels() {}

    /** Where a test model is: the generated one under the build directory (written on first use), the others in ../shared. */
    public static Path dir(String name) {
        if (GeneratedTinyModel.NAME.equals(name) || GeneratedTinyModel.SLOW_NAME.equals(name)) {
            Path generated =
                    Paths.get(System.getProperty("tests.generated.models.dir", "target/generated-test-models"));
            try {
                return GeneratedTinyModel.NAME.equals(name)
                        ? GeneratedTinyModel.writeTo(generated)
                        : GeneratedTinyModel.writeSlowTo(generated);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the generated test model", e);
            }
        }
        return Paths.get(System.getProperty("tests.models.dir", "../shared/models"))
                .resolve(name);
    }

    public static boolean present(String name) {
        return Files.exists(dir(name).resolve(CrossEncoderModel.MODEL_FILE));
    }

    /**
     * Skips the calling test (or class, from {@code @BeforeClass}) with one line naming the folder it needs, when a
     * model of {@code ../shared/models} is not on this machine: a fresh clone of the project has none of them.
     */
    public static void assumePresent(String... names) {
        for (String name : names) {
            assumeFolder(dir(name), "../shared/models beside the project; -Dtest.models.dir=DIR points elsewhere");
        }
    }

    /**
     * As {@link #assumePresent}, for any folder of {@code ../shared} ({@code where} says how to provide it). Where the
     * run expects {@code ../shared} ({@code -Dtests.shared.required=true}, as CI's does) a missing folder fails the test:
     * a green run there proves every test ran.
     */
    public static void assumeFolder(Path folder, String where) {
        if (Files.isDirectory(folder) == false) {
            String reason = "needs " + folder.toAbsolutePath().normalize() + " (" + where + ")";
            if (Boolean.getBoolean("tests.shared.required")) {
                throw new AssertionError("this run expects ../shared (tests.shared.required) but the test " + reason);
            }
            System.out.println("SKIPPED: " + reason);
            Assume.assumeTrue(reason, false);
        }
    }

    public static CrossEncoderModel load(String name, int batchSize) throws Exception {
        return CrossEncoderModel.load(name, dir(name), new CrossEncoderModel.InferenceOptions(batchSize, 1));
    }
}
