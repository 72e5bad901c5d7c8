/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.ModelProto;
import org.crossencoder.opensearch.engine.onnx.OnnxMl.TensorProto;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Rewrites of a model's ONNX graph that give the same logits, to float rounding, for less work ({@link ClsLastLayer}),
 * applied as the node loads a model: every model it serves, a directory copied by hand or one of ML Commons, runs in
 * its fastest exact form without a step of the user's. The node serves a rewrite only if ONNX Runtime gives the same
 * logits for it as for the model's own graph on a probe batch, within {@link #TOLERANCE}; otherwise it serves the
 * model's own graph and the models API says why. {@code plugins.cross_encoder.inference.exact_levers: false} turns it
 * off. A model rewritten already (by {@code models/import-model.py}) is served as it is.
 */
public final class ExactLevers {

    private static final Logger logger = LogManager.getLogger(ExactLevers.class);

    static final float TOLERANCE = GoldenPairs.TOLERANCE;
    /** The node setting that turns the levers off (CrossEncoderSettings.EXACT_LEVERS; the engine reads no settings). */
    static final String SETTING = "plugins.cross_encoder.inference.exact_levers";

    /** The graph is not one a lever knows how to rewrite; the message says why in one line. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The model file has the lever in it already. */
    static final class AlreadyApplied extends RuntimeException {
        AlreadyApplied() {
            super(null, null, false, false);
        }
    }

    /** Opens a session on a model file, with the options the model runs with. */
    @FunctionalInterface
    interface Sessions {
        OrtSession open(Path modelFile) throws OrtException;
    }

    /** Runs the probe batch on a session: a row of logits per pair. */
    @FunctionalInterface
    interface Probe {
        float[][] logits(OrtSession session) throws OrtException;
    }

    /** The session to serve and what the levers did. */
    record Levered(OrtSession session, Outcome outcome) {}

    /**
     * What the levers did to a model, as the models API shows it: the levers it runs with ({@code at} {@code load}:
     * rewritten as the node loaded it, {@code model_file}: its file had them) or why it runs without.
     */
    public record Outcome(
            List<String> applied,
            @Nullable String at,
            @Nullable String reason) implements Writeable, ToXContentObject {

        public static final String NAME = "exact_levers";

        static Outcome applied(String at) {
            return new Outcome(List.of(ClsLastLayer.NAME), at, null);
        }

        static Outcome without(String reason) {
            return new Outcome(List.of(), null, reason);
        }

        public Outcome(StreamInput in) throws IOException {
            this(in.readStringList(), in.readOptionalString(), in.readOptionalString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeStringCollection(applied);
            out.writeOptionalString(at);
            out.writeOptionalString(reason);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("applied", applied);
            if (at != null) {
                builder.field("at", at);
            }
            if (reason != null) {
                builder.field("reason", reason);
            }
            return builder.endObject();
        }
    }

    private ExactLevers() {}

    /**
     * The session to serve {@code modelFile} with: {@code original}'s own graph, or its rewrite once it gives the same
     * logits on the probe batch. One session is resident at a time (the original closes before its rewrite opens,
     * and opens again if the rewrite is refused), so that loading never holds a model twice.
     */
    static Levered apply(String modelName, Path modelFile, OrtSession original, Sessions sessions, Probe probe)
            throws OrtException {
        float[][] expected;
        ModelProto rewritten;
        try {
            ModelProto.Builder model = read(modelFile);
            ClsLastLayer.apply(model);
            rewritten = model.build();
            // Only a graph the lever rewrote needs the reference logits.
            expected = probe.logits(original);
        } catch (AlreadyApplied e) {
            return new Levered(original, Outcome.applied("model_file"));
        } catch (IOException | OrtException | RuntimeException e) {
            return without(modelName, original, e.getMessage());
        }
        original.close();
        OrtSession levered = null;
        try {
            levered = open(rewritten, sessions);
            float largest = largestDifference(expected, probe.logits(levered));
            if (largest <= TOLERANCE) {
                return new Levered(levered, Outcome.applied("load"));
            }
            levered.close();
            levered = null;
            return without(
                    modelName,
                    sessions.open(modelFile),
                    String.format(
                            Locale.ROOT,
                            "its logits on the probe batch differ from the model's own by %.2e, more than %.0e",
                            largest,
                            TOLERANCE));
        } catch (IOException | OrtException | RuntimeException e) {
            if (levered != null) {
                levered.close();
            }
            return without(modelName, sessions.open(modelFile), e.getMessage());
        }
    }

    private static Levered without(String modelName, OrtSession session, String message) {
        String reason = message == null ? "failed without a message" : message;
        logger.info("model [{}] runs without the exact levers: {}", modelName, reason);
        return new Levered(session, Outcome.without(reason));
    }

    /**
     * Parses model.onnx with its weights left in the file's mapping (aliased, not copied onto the heap): only the
     * graph's structure is Java objects.
     */
    private static ModelProto.Builder read(Path modelFile) throws IOException {
        try (FileChannel channel = FileChannel.open(modelFile, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new Unsupported("model.onnx is over 2 GB");
            }
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(
                            channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size()))
                    .newCodedInput();
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            ModelProto.Builder model = ModelProto.parseFrom(in).toBuilder();
            if (model.getGraph().getInitializerList().stream()
                    .anyMatch(tensor -> tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL)) {
                throw new Unsupported("its weights are in external data files");
            }
            return model;
        }
    }

    /** A session on the rewritten graph, written to the node's temp directory for ONNX Runtime to read. */
    private static OrtSession open(ModelProto model, Sessions sessions) throws IOException, OrtException {
        Path file = Files.createTempFile("cross-encoder-", ".onnx");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                model.writeTo(out);
            }
            return sessions.open(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static float largestDifference(float[][] expected, float[][] actual) {
        if (expected.length != actual.length) {
            return Float.POSITIVE_INFINITY;
        }
        float largest = 0;
        for (int row = 0; row < expected.length; row++) {
            if (expected[row].length != actual[row].length) {
                return Float.POSITIVE_INFINITY;
            }
            for (int column = 0; column < expected[row].length; column++) {
                float difference = Math.abs(expected[row][column] - actual[row][column]);
                largest = Float.isNaN(difference) ? Float.POSITIVE_INFINITY : Math.max(largest, difference);
            }
        }
        return largest;
    }
}
