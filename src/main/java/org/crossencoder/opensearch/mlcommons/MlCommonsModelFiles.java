/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.mlcommons;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.core.rest.RestStatus;

/**
 * Puts a model ML Commons holds into a directory the cross-encoder loads: its chunks, read in order through ML
 * Commons, must add up to the SHA-256 ML Commons recorded at registration; then the zip's files are written under the
 * names a model directory uses. Only those files are taken, by their base names, so no entry's path ever reaches the
 * file system.
 */
final class MlCommonsModelFiles {

    /** The files of a model directory an ML Commons zip may carry besides its {@code .onnx} file. */
    private static final Set<String> COMPANIONS =
            Set.of("tokenizer.json", "tokenizer_config.json", "config.json", "cross-encoder.json", "golden.json");

    /** ONNX Runtime reads no model file over 2 GiB, so no entry may unpack to more (a zip bomb stops here). */
    private static final long MAX_ENTRY_BYTES = 2L << 30;

    private MlCommonsModelFiles() {}

    /** Writes the model's files into the empty directory {@code dir}. */
    static void write(MlCommonsClient client, MlCommonsModel model, Path dir) throws IOException {
        Path zip = dir.resolve("ml-commons-model.zip");
        MessageDigest sha256 = sha256();
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(zip), sha256)) {
            for (int n = 0; n < model.totalChunks(); n++) {
                out.write(client.chunk(model.id(), n));
            }
        }
        String hash = HexFormat.of().formatHex(sha256.digest());
        if (hash.equalsIgnoreCase(model.contentHash()) == false) {
            throw new OpenSearchStatusException(
                    "ML Commons model [{}]: its {} chunks have SHA-256 [{}], not the [{}] ML Commons recorded at registration",
                    RestStatus.CONFLICT,
                    model.id(),
                    model.totalChunks(),
                    hash,
                    model.contentHash());
        }
        unzip(model, zip, dir);
        Files.delete(zip);
    }

    private static void unzip(MlCommonsModel model, Path zip, Path dir) throws IOException {
        boolean onnx = false;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (entry.isDirectory()) {
                    continue;
                }
                String baseName = entry.getName().substring(entry.getName().lastIndexOf('/') + 1);
                String target;
                if (baseName.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
                    if (onnx) {
                        throw refused(model, "holds more than one .onnx file");
                    }
                    onnx = true;
                    target = CrossEncoderModel.MODEL_FILE;
                } else if (COMPANIONS.contains(baseName)) {
                    target = baseName;
                } else {
                    continue;
                }
                copyBounded(model, in, dir.resolve(target));
            }
        }
        if (onnx == false) {
            throw refused(model, "holds no .onnx file");
        }
    }

    private static void copyBounded(MlCommonsModel model, InputStream in, Path to) throws IOException {
        try (OutputStream out = Files.newOutputStream(to)) {
            byte[] buffer = new byte[1 << 16];
            long total = 0;
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                total += read;
                if (total > MAX_ENTRY_BYTES) {
                    throw refused(model, "unpacks to a file over 2 GiB, more than ONNX Runtime reads");
                }
                out.write(buffer, 0, read);
            }
        }
    }

    private static OpenSearchStatusException refused(MlCommonsModel model, String problem) {
        return new OpenSearchStatusException(
                "the zip of ML Commons model [{}] {}", RestStatus.BAD_REQUEST, model.id(), problem);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
