/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.settings;

import java.util.Arrays;
import java.util.Locale;

/** Where a node's model work runs: {@link CrossEncoderSettings#TIER_MODE}. */
public enum TierMode {
    /** On the reranking tier when a node of it is in the cluster, else where the request runs. */
    AUTO,
    /** Where the request runs: on the data nodes for a shard's rescore, on the coordinating node for the rest. */
    LOCAL,
    /** On the reranking tier only: a 503 when no node of it is in the cluster. */
    TIER;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    static TierMode parse(String value) {
        for (TierMode mode : values()) {
            if (mode.toString().equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("[" + CrossEncoderSettings.TIER_MODE_KEY + "] must be one of "
                + Arrays.toString(values()) + " but was [" + value + "]");
    }
}
