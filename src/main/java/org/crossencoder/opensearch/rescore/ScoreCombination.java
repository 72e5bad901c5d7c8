/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.io.IOException;
import java.util.Objects;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * What a rescore does with the two scores of a hit: its {@code score_mode} with either the weights of the raw
 * modes or, for {@code interpolate}, the {@link Interpolation}. Each mode accepts only the options that mean
 * something to it.
 */
public record ScoreCombination(
        ScoreMode scoreMode, float queryWeight, float rescoreQueryWeight, Interpolation interpolation)
        implements Writeable {

    public static final ScoreCombination REPLACE = new ScoreCombination(ScoreMode.REPLACE, 1f, 1f, null);

    public ScoreCombination {
        Objects.requireNonNull(scoreMode);
        requireFinite(queryWeight, "query_weight");
        requireFinite(rescoreQueryWeight, "rescore_query_weight");
        if (scoreMode == ScoreMode.INTERPOLATE) {
            if (queryWeight != 1f || rescoreQueryWeight != 1f) {
                throw new IllegalArgumentException(
                        "[" + CrossEncoderRescorerBuilder.NAME + "] [query_weight] and "
                                + "[rescore_query_weight] do not apply to score_mode [interpolate]: its [weight] sets the blend");
            }
            interpolation = interpolation == null ? Interpolation.DEFAULT : interpolation;
        } else if (interpolation != null) {
            throw new IllegalArgumentException("[" + CrossEncoderRescorerBuilder.NAME
                    + "] [normalization] and [weight] go " + "with score_mode [interpolate], not [" + scoreMode + "]");
        }
    }

    /**
     * From a request's options, each null when not given: {@code normalization} or {@code weight} alone ask for
     * the interpolation's defaults for the other.
     */
    public static ScoreCombination of(
            ScoreMode scoreMode,
            Float queryWeight,
            Float rescoreQueryWeight,
            Interpolation.Normalization normalization,
            Float weight) {
        Interpolation interpolation = normalization == null && weight == null
                ? null
                : new Interpolation(
                        normalization == null ? Interpolation.Normalization.MIN_MAX : normalization,
                        weight == null ? Interpolation.DEFAULT_WEIGHT : weight);
        return new ScoreCombination(
                scoreMode == null ? ScoreMode.REPLACE : scoreMode,
                queryWeight == null ? 1f : queryWeight,
                rescoreQueryWeight == null ? 1f : rescoreQueryWeight,
                interpolation);
    }

    public ScoreCombination(StreamInput in) throws IOException {
        this(ScoreMode.readFrom(in), in.readFloat(), in.readFloat(), in.readOptionalWriteable(Interpolation::new));
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        scoreMode.writeTo(out);
        out.writeFloat(queryWeight);
        out.writeFloat(rescoreQueryWeight);
        out.writeOptionalWriteable(interpolation);
    }

    /** The options as a request spells them, inside the caller's object. */
    void toXContent(XContentBuilder builder) throws IOException {
        builder.field("score_mode", scoreMode.toString());
        if (interpolation == null) {
            builder.field("query_weight", queryWeight);
            builder.field("rescore_query_weight", rescoreQueryWeight);
        } else {
            builder.field("normalization", interpolation.normalization().toString());
            builder.field("weight", interpolation.weight());
        }
    }

    /** The final score of a hit under a raw mode (not {@code interpolate}, which needs the whole window). */
    float combine(float firstStage, float crossEncoder) {
        return scoreMode.combine(firstStage * queryWeight, crossEncoder * rescoreQueryWeight);
    }

    private static void requireFinite(float value, String option) {
        if (Float.isFinite(value) == false) {
            throw new IllegalArgumentException(
                    "[" + CrossEncoderRescorerBuilder.NAME + "] [" + option + "] must be a finite number");
        }
    }
}
