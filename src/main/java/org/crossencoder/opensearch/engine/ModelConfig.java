/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Calibration;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.LowerCaseOptions;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.crossencoder.opensearch.ranking.ScoreMode;
import org.opensearch.common.Nullable;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.ParseField;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentParser;

/**
 * How to run one model directory: the longest pair it accepts, how a longer pair is cut, and how its output
 * becomes a score. Read from the optional {@code cross-encoder.json}; whatever it leaves out comes from the
 * files a Hugging Face export already has ({@code tokenizer_config.json}, {@code config.json}) or the defaults.
 *
 * @param output the configured output handling, or null to take it from the model's output width
 * @param calibration how a logit becomes a probability, when a request asks for one
 * @param probability whether requests that do not say get probabilities rather than logits
 * @param blend how requests that do not say blend the model's score with the first stage's ({@code score_mode},
 *     {@code normalization}, {@code weight}); null: the plugin's default, {@link ScoreCombination#DEFAULT}
 * @param relevantLabel for a {@link Output#TWO_CLASS} model, which of its two logits means "relevant" (0 or 1)
 */
public record ModelConfig(
        int maxLength,
        Truncation truncation,
        Output output,
        @Nullable PassageWindows passageWindows,
        Calibration calibration,
        boolean probability,
        @Nullable ScoreCombination blend,
        int relevantLabel,
        ModelInference inference) {

    public static final String FILE_NAME = "cross-encoder.json";
    public static final int DEFAULT_MAX_LENGTH = 512;
    /** Two-class heads are trained as {@code [not relevant, relevant]}. */
    public static final int DEFAULT_RELEVANT_LABEL = 1;

    /** How a row of the model's output becomes one relevance score. */
    public enum Output {
        /** One logit per pair ({@code [batch, 1]}), used as it is. */
        LOGIT,
        /**
         * Two logits per pair ({@code [not relevant, relevant]}, or the other way round with {@code relevant_label} 0);
         * the score is the relevant one less the other, the log-odds of "relevant".
         */
        TWO_CLASS;

        public static Output fromString(String value) {
            return LowerCaseOptions.parse(Output.class, "output", value);
        }

        float score(float[] row, int relevantLabel) {
            return this == LOGIT ? row[0] : row[relevantLabel] - row[1 - relevantLabel];
        }

        int width() {
            return this == LOGIT ? 1 : 2;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a pair longer than {@code max_length} is cut; the names and behaviour are Hugging Face tokenizers'. */
    public enum Truncation {
        /**
         * A token at a time from whichever of query and passage is longer: what Hugging Face tokenizers and
         * sentence-transformers do for a pair, and so what most cross-encoders were trained with.
         */
        LONGEST_FIRST,
        /**
         * The passage only, the query kept whole. Where the query alone leaves no room for the passage (Hugging
         * Face refuses such a pair), the pair is cut as {@link #LONGEST_FIRST} instead.
         */
        ONLY_SECOND;

        public static Truncation fromString(String value) {
            return LowerCaseOptions.parse(Truncation.class, "truncation", value);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final ParseField MAX_LENGTH = new ParseField("max_length");
    private static final ParseField TRUNCATION = new ParseField("truncation");
    private static final ParseField OUTPUT = new ParseField("output");
    private static final ParseField RELEVANT_LABEL = new ParseField("relevant_label");
    private static final ParseField PASSAGE_WINDOWS = new ParseField(PassageWindows.NAME);
    private static final ParseField CALIBRATION = new ParseField(Calibration.NAME);
    public static final ParseField PROBABILITY = new ParseField("probability");
    private static final ParseField SCORE_MODE = new ParseField("score_mode");
    private static final ParseField NORMALIZATION = new ParseField("normalization");
    private static final ParseField WEIGHT = new ParseField("weight");
    /** What models/import-model.py or models/cls-last-layer.py rewrote in model.onnx: {@code ["cls_last_layer"]}. */
    private static final ParseField EXACT_LEVERS = new ParseField("exact_levers");

    private static final ParseField INFERENCE = new ParseField(ModelInference.NAME);

    private static final ObjectParser<Builder, Void> PARSER = new ObjectParser<>(FILE_NAME, Builder::new);

    static {
        PARSER.declareInt((b, v) -> b.maxLength = v, MAX_LENGTH);
        PARSER.declareString((b, v) -> b.truncation = Truncation.fromString(v), TRUNCATION);
        PARSER.declareString((b, v) -> b.output = Output.fromString(v), OUTPUT);
        PARSER.declareInt((b, v) -> b.relevantLabel = v, RELEVANT_LABEL);
        PARSER.declareField(
                (b, v) -> b.passageWindows = v,
                (p, c) -> PassageWindows.parse(p),
                PASSAGE_WINDOWS,
                ObjectParser.ValueType.OBJECT_OR_BOOLEAN);
        PARSER.declareObject((b, v) -> b.calibration = v, (p, c) -> Calibration.parse(p), CALIBRATION);
        PARSER.declareBoolean((b, v) -> b.probability = v, PROBABILITY);
        // Read as they are and checked after parsing, so that a bad value's own message reaches the models API.
        PARSER.declareString((b, v) -> b.scoreMode = v, SCORE_MODE);
        PARSER.declareString((b, v) -> b.normalization = v, NORMALIZATION);
        PARSER.declareFloat((b, v) -> b.weight = v, WEIGHT);
        // Informational only: the levers are exact rewrites of the graph already in model.onnx (whose sha256 is in the
        // fingerprint), so there is nothing to apply here. Accepted, as a list of names, so that the file loads.
        PARSER.declareStringArray((b, v) -> {}, EXACT_LEVERS);
        PARSER.declareObject((b, v) -> b.inference = v, (p, c) -> ModelInference.parse(p), INFERENCE);
    }

    private static final class Builder {
        Integer maxLength;
        Truncation truncation = Truncation.LONGEST_FIRST;
        Output output;
        int relevantLabel = DEFAULT_RELEVANT_LABEL;
        PassageWindows passageWindows;
        Calibration calibration = Calibration.NONE;
        boolean probability;
        String scoreMode;
        String normalization;
        Float weight;
        ModelInference inference = ModelInference.NODE;

        /** The default blend the file sets, null when it sets none; what it leaves out is the plugin's default. */
        ScoreCombination blend() {
            if (scoreMode == null && normalization == null && weight == null) {
                return null;
            }
            try {
                return new BlendOptions(
                                scoreMode == null ? null : ScoreMode.fromString(scoreMode),
                                null,
                                null,
                                normalization == null ? null : Interpolation.Normalization.fromString(normalization),
                                weight)
                        .resolve((ScoreCombination) null);
            } catch (IllegalArgumentException e) {
                throw invalidBlend(e.getMessage());
            }
        }
    }

    private static IllegalArgumentException invalidBlend(String reason) {
        return new IllegalArgumentException("[" + FILE_NAME + "] default blend: " + reason);
    }

    /**
     * A model that reads each passage whole (up to {@code maxLength}) unless a request asks for windows, and scores
     * with its logit unless a request asks for a probability.
     */
    public ModelConfig(int maxLength, Truncation truncation, Output output) {
        this(
                maxLength,
                truncation,
                output,
                null,
                Calibration.NONE,
                false,
                null,
                DEFAULT_RELEVANT_LABEL,
                ModelInference.NODE);
    }

    public ModelConfig {
        if (maxLength < 8) {
            throw new IllegalArgumentException("[max_length] must be at least 8 but was [" + maxLength + "]");
        }
        Objects.requireNonNull(truncation);
        Objects.requireNonNull(calibration);
        Objects.requireNonNull(inference);
        if (relevantLabel != 0 && relevantLabel != 1) {
            throw new IllegalArgumentException(
                    "[relevant_label] must be 0 or 1 (which of two logits means relevant) but was [" + relevantLabel
                            + "]");
        }
        requireTwoClassForRelevantLabel(output, relevantLabel);
        if (passageWindows != null) {
            PassageWindows.resolve(passageWindows, passageWindows, maxLength);
        }
        if (blend != null && blend.scoreMode() != ScoreMode.REPLACE && blend.scoreMode() != ScoreMode.INTERPOLATE) {
            throw invalidBlend("[score_mode] must be [replace] or [interpolate] but was [" + blend.scoreMode()
                    + "]: the other modes add raw scores whose scale depends on the index and the query, and the"
                    + " [cross_encoder_rerank] processor refuses them");
        }
    }

    /**
     * Refuses a {@code relevant_label} other than the default for a model scored by one logit ({@code output} as
     * configured, or as the model's output width decided it).
     */
    static void requireTwoClassForRelevantLabel(@Nullable Output output, int relevantLabel) {
        if (output == Output.LOGIT && relevantLabel != DEFAULT_RELEVANT_LABEL) {
            throw new IllegalArgumentException(
                    "[relevant_label] applies to output [two_class] only, and the output is [" + output + "]");
        }
    }

    /** The output as the models API shows it: with {@code relevant_label} when it is not the default. */
    String describeOutput(Output resolved) {
        return relevantLabel == DEFAULT_RELEVANT_LABEL
                ? resolved.toString()
                : resolved + ", relevant_label " + relevantLabel;
    }

    public static ModelConfig load(Path modelDir) throws IOException {
        Builder builder = new Builder();
        Path file = modelDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file);
                    XContentParser parser = JsonXContent.jsonXContent.createParser(
                            NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, in)) {
                PARSER.parse(parser, builder, null);
            }
        }
        int maxLength = builder.maxLength != null ? builder.maxLength : huggingFaceMaxLength(modelDir);
        return new ModelConfig(
                maxLength,
                builder.truncation,
                builder.output,
                builder.passageWindows,
                builder.calibration,
                builder.probability,
                builder.blend(),
                builder.relevantLabel,
                builder.inference);
    }

    /** The model's own limit as its Hugging Face files state it, capped at what BERT-style position tables hold. */
    private static int huggingFaceMaxLength(Path modelDir) throws IOException {
        int maxLength = DEFAULT_MAX_LENGTH;
        Object tokenizerLimit =
                readJson(modelDir.resolve("tokenizer_config.json")).get("model_max_length");
        // Hugging Face writes a huge sentinel (1e30) when the tokenizer has no limit of its own.
        if (tokenizerLimit instanceof Number n && n.doubleValue() < 100_000) {
            maxLength = n.intValue();
        }
        Object positions = readJson(modelDir.resolve("config.json")).get("max_position_embeddings");
        if (positions instanceof Number n) {
            maxLength = Math.min(maxLength, n.intValue());
        }
        return maxLength;
    }

    static Map<String, Object> readJson(Path file) throws IOException {
        if (Files.exists(file) == false) {
            return Map.of();
        }
        try (InputStream in = Files.newInputStream(file)) {
            return XContentHelper.convertToMap(JsonXContent.jsonXContent, in, false);
        }
    }

    /** What a request that gives these {@code passage_windows} options (null: none) reads with this model. */
    @Nullable
    public PassageWindows.Resolved windows(@Nullable PassageWindows request) {
        return PassageWindows.resolve(request, passageWindows, maxLength);
    }
}
