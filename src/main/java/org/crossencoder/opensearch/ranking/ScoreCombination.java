/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.Objects;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * What a rescore does with the two scores of a hit: its {@code score_mode} with either the weights of the raw
 * modes or, for {@code interpolate}, the {@link Interpolation}. Each mode accepts only the options that mean
 * something to it. A request's options ({@link BlendOptions}) become one with the model's default blend.
 */
public record ScoreCombination(
        ScoreMode scoreMode, float queryWeight, float rescoreQueryWeight, Interpolation interpolation)
        implements Writeable {

    public static final ScoreCombination REPLACE = new ScoreCombination(ScoreMode.REPLACE, 1f, 1f, null);

    /**
     * The blend of a request that gives no option, with a model that sets none: {@code interpolate}, {@code min_max},
     * weight 0.5. Measured on six collections (docs/benchmarks/relevance.md), it beat {@code replace} on every one and never fell
     * more than 0.3 nDCG@10 points below BM25, where {@code replace} lost up to 10 points out of the model's domain.
     */
    public static final ScoreCombination DEFAULT =
            new ScoreCombination(ScoreMode.INTERPOLATE, 1f, 1f, Interpolation.DEFAULT);

    public ScoreCombination {
        Objects.requireNonNull(scoreMode);
        requireFinite(queryWeight, "query_weight");
        requireFinite(rescoreQueryWeight, "rescore_query_weight");
        if (scoreMode == ScoreMode.INTERPOLATE) {
            if (queryWeight != 1f || rescoreQueryWeight != 1f) {
                throw new IllegalArgumentException("[query_weight] and [rescore_query_weight] do not apply to"
                        + " score_mode [interpolate]: its [weight] sets the blend");
            }
            interpolation = interpolation == null ? Interpolation.DEFAULT : interpolation;
        } else if (interpolation != null) {
            throw new IllegalArgumentException(
                    "[normalization] and [weight] go with score_mode [interpolate], not [" + scoreMode + "]");
        }
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

    /** The blend as {@code cross-encoder.json} and the models API spell it, inside the caller's object. */
    public void toXContent(XContentBuilder builder) throws IOException {
        builder.field("score_mode", scoreMode.toString());
        if (interpolation != null) {
            builder.field("normalization", interpolation.normalization().toString());
            builder.field("weight", interpolation.weight());
        }
    }

    /** What a model's fingerprint and messages say of it: {@code score_mode interpolate (min_max, weight 0.5)}. */
    public String describe() {
        return "score_mode " + scoreMode
                + (interpolation == null
                        ? ""
                        : " (" + interpolation.normalization() + ", weight " + interpolation.weight() + ")");
    }

    /** The final score of a hit under a raw mode (not {@code interpolate}, which needs the whole window). */
    public float combine(float firstStage, float crossEncoder) {
        return scoreMode.combine(firstStage * queryWeight, crossEncoder * rescoreQueryWeight);
    }

    private static void requireFinite(float value, String option) {
        if (Float.isFinite(value) == false) {
            throw new IllegalArgumentException("[" + option + "] must be a finite number");
        }
    }
}
