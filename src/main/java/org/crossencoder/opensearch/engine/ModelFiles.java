/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.opensearch.common.Nullable;

/**
 * A model directory as read before loading: the digests its files had and the config it declared. Two reads that
 * are equal load the same model (a {@code golden.json} added or changed loads the model again, so that it is
 * checked).
 */
public record ModelFiles(
        Path dir,
        String modelSha256,
        String tokenizerSha256,
        @Nullable String goldenSha256,
        ModelConfig config) {

    /** Reads a model directory, refusing one without the files every model needs. */
    public static ModelFiles read(String name, Path dir) throws IOException {
        CrossEncoderModel.requireFiles(name, dir);
        Path golden = dir.resolve(GoldenPairs.FILE_NAME);
        return new ModelFiles(
                dir,
                FileDigest.sha256(dir.resolve(CrossEncoderModel.MODEL_FILE)),
                FileDigest.sha256(dir.resolve(CrossEncoderModel.TOKENIZER_FILE)),
                Files.exists(golden) ? FileDigest.sha256(golden) : null,
                ModelConfig.load(dir));
    }
}
