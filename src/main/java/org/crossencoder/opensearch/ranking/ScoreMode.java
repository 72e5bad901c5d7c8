/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.Locale;
import org.apache.lucene.search.Explanation;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;

/**
 * How a hit's first-stage score and its cross-encoder score become its final score. Both are weighted
 * first ({@code query_weight}, {@code rescore_query_weight}), as in the query rescorer; {@code replace}
 * keeps only the weighted cross-encoder score; {@code interpolate} blends both after normalizing them over the
 * window ({@link Interpolation}).
 */
public enum ScoreMode implements Writeable {
    REPLACE("cross-encoder score only") {
        @Override
        public float combine(float first, float crossEncoder) {
            return crossEncoder;
        }
    },
    TOTAL("sum of") {
        @Override
        public float combine(float first, float crossEncoder) {
            return first + crossEncoder;
        }
    },
    MULTIPLY("product of") {
        @Override
        public float combine(float first, float crossEncoder) {
            return first * crossEncoder;
        }
    },
    AVG("average of") {
        @Override
        public float combine(float first, float crossEncoder) {
            return (first + crossEncoder) / 2;
        }
    },
    MAX("max of") {
        @Override
        public float combine(float first, float crossEncoder) {
            return Math.max(first, crossEncoder);
        }
    },
    MIN("min of") {
        @Override
        public float combine(float first, float crossEncoder) {
            return Math.min(first, crossEncoder);
        }
    },
    /** Both scores normalized over the window, then blended: see {@link Interpolation}, which does it. */
    INTERPOLATE("weighted sum of normalized scores") {
        @Override
        public float combine(float first, float crossEncoder) {
            throw new UnsupportedOperationException(
                    "[interpolate] normalizes over the whole window: use Interpolation");
        }
    };

    private final String description;

    ScoreMode(String description) {
        this.description = description;
    }

    /** Combines the already weighted scores. */
    public abstract float combine(float first, float crossEncoder);

    /** The explanation of {@link #combine}: the weighted first-stage part is left out where it does not count. */
    public Explanation explain(Explanation first, Explanation crossEncoder) {
        float value =
                combine(first.getValue().floatValue(), crossEncoder.getValue().floatValue());
        if (this == REPLACE) {
            return Explanation.match(value, description, crossEncoder);
        }
        return Explanation.match(value, description, first, crossEncoder);
    }

    public static ScoreMode fromString(String value) {
        return LowerCaseOptions.parse(ScoreMode.class, "score_mode", value);
    }

    /** By name, as in requests: a mode added later, or the modes reordered, never changes what another node reads. */
    public static ScoreMode readFrom(StreamInput in) throws IOException {
        return fromString(in.readString());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(toString());
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
