/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The {@code score_mode} options as a request gives them, each null when it leaves one out. What a request leaves out
 * comes from the model's default blend ({@code score_mode}, {@code normalization}, {@code weight} in its
 * {@code cross-encoder.json}), else from the plugin's ({@link ScoreCombination#DEFAULT}: {@code interpolate},
 * {@code min_max}, 0.5), option by option; {@code normalization} or {@code weight} without a {@code score_mode} ask for
 * {@code interpolate}. The options travel as given and are resolved where the model is known: on each shard for the
 * rescore clause, on the coordinating node for the response processor.
 */
public record BlendOptions(
        @Nullable ScoreMode scoreMode,
        @Nullable Float queryWeight,
        @Nullable Float rescoreQueryWeight,
        @Nullable Interpolation.Normalization normalization,
        @Nullable Float weight)
        implements Writeable {

    /** No option given: the model's default blend, else the plugin's. */
    public static final BlendOptions DEFAULT = new BlendOptions(null, null, null, null, null);

    /**
     * Refuses what no default could make valid, before any model is known: whatever a model's default, the options a
     * request gives either fit together or do not.
     */
    public BlendOptions {
        if (scoreMode == null && (queryWeight != null || rescoreQueryWeight != null)) {
            throw new IllegalArgumentException("[query_weight] and [rescore_query_weight] weigh the scores of a raw"
                    + " score_mode: give the [score_mode] they go with (without one, the model's default blend or"
                    + " [interpolate] applies, which they do not)");
        }
        combine(scoreMode, queryWeight, rescoreQueryWeight, normalization, weight, ScoreCombination.DEFAULT);
    }

    public BlendOptions(StreamInput in) throws IOException {
        this(
                in.readOptionalWriteable(ScoreMode::readFrom),
                in.readOptionalFloat(),
                in.readOptionalFloat(),
                in.readBoolean() ? Interpolation.Normalization.fromString(in.readString()) : null,
                in.readOptionalFloat());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeOptionalWriteable(scoreMode);
        out.writeOptionalFloat(queryWeight);
        out.writeOptionalFloat(rescoreQueryWeight);
        out.writeBoolean(normalization != null);
        if (normalization != null) {
            out.writeString(normalization.toString());
        }
        out.writeOptionalFloat(weight);
    }

    /** The options given, as a request spells them, inside the caller's object. */
    public void toXContent(XContentBuilder builder) throws IOException {
        if (scoreMode != null) {
            builder.field("score_mode", scoreMode.toString());
        }
        if (queryWeight != null) {
            builder.field("query_weight", queryWeight);
        }
        if (rescoreQueryWeight != null) {
            builder.field("rescore_query_weight", rescoreQueryWeight);
        }
        if (normalization != null) {
            builder.field("normalization", normalization.toString());
        }
        if (weight != null) {
            builder.field("weight", weight);
        }
    }

    /** The blend these options make with a model's default blend ({@code null}: the model has none). */
    public ScoreCombination resolve(@Nullable ScoreCombination modelDefault) {
        return combine(
                scoreMode,
                queryWeight,
                rescoreQueryWeight,
                normalization,
                weight,
                modelDefault == null ? ScoreCombination.DEFAULT : modelDefault);
    }

    /** Static, as the compact constructor checks the options with it before the record's fields are set. */
    private static ScoreCombination combine(
            @Nullable ScoreMode scoreMode,
            @Nullable Float queryWeight,
            @Nullable Float rescoreQueryWeight,
            @Nullable Interpolation.Normalization normalization,
            @Nullable Float weight,
            ScoreCombination defaults) {
        boolean interpolationGiven = normalization != null || weight != null;
        ScoreMode mode =
                scoreMode != null ? scoreMode : interpolationGiven ? ScoreMode.INTERPOLATE : defaults.scoreMode();
        Interpolation interpolation = null;
        if (mode == ScoreMode.INTERPOLATE || interpolationGiven) {
            Interpolation base = defaults.interpolation() == null ? Interpolation.DEFAULT : defaults.interpolation();
            interpolation = new Interpolation(
                    normalization == null ? base.normalization() : normalization,
                    weight == null ? base.weight() : weight);
        }
        return new ScoreCombination(
                mode,
                queryWeight == null ? 1f : queryWeight,
                rescoreQueryWeight == null ? 1f : rescoreQueryWeight,
                interpolation);
    }

    /** Whether these options leave nothing to a model's default blend. */
    public boolean isComplete() {
        return scoreMode != null && (scoreMode != ScoreMode.INTERPOLATE || (normalization != null && weight != null));
    }
}
