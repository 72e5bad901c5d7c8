/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import java.util.List;
import org.crossencoder.opensearch.registry.ModelInfo;
import org.crossencoder.opensearch.scoring.InferenceStats;
import org.crossencoder.opensearch.scoring.ScoreCache;
import org.crossencoder.opensearch.scoring.TierStats;
import org.opensearch.action.support.nodes.BaseNodeResponse;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/** One node's models and inference counters. */
public final class CrossEncoderNodeResponse extends BaseNodeResponse implements ToXContentFragment {

    /** The {@code section} parameter: which part a REST endpoint renders. */
    public static final String SECTION = "section";

    public static final String MODELS = "models";
    public static final String STATS = "stats";

    private final List<ModelInfo> models;
    private final InferenceStats.Snapshot stats;
    private final ScoreCache.Stats cacheStats;
    private final TierStats.Snapshot tierStats;

    public CrossEncoderNodeResponse(
            DiscoveryNode node,
            List<ModelInfo> models,
            InferenceStats.Snapshot stats,
            ScoreCache.Stats cacheStats,
            TierStats.Snapshot tierStats) {
        super(node);
        this.models = models;
        this.stats = stats;
        this.cacheStats = cacheStats;
        this.tierStats = tierStats;
    }

    public CrossEncoderNodeResponse(StreamInput in) throws IOException {
        super(in);
        models = in.readList(ModelInfo::new);
        stats = new InferenceStats.Snapshot(in);
        cacheStats = new ScoreCache.Stats(in);
        tierStats = new TierStats.Snapshot(in);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeList(models);
        stats.writeTo(out);
        cacheStats.writeTo(out);
        tierStats.writeTo(out);
    }

    public List<ModelInfo> models() {
        return models;
    }

    public InferenceStats.Snapshot stats() {
        return stats;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(getNode().getId());
        builder.field("name", getNode().getName());
        builder.field("transport_address", getNode().getAddress().toString());
        if (STATS.equals(params.param(SECTION)) == false) {
            builder.startArray("models");
            for (ModelInfo model : models) {
                model.toXContent(builder, params);
            }
            builder.endArray();
        }
        if (MODELS.equals(params.param(SECTION)) == false) {
            stats.toXContent(builder, params);
            cacheStats.toXContent(builder, params);
            tierStats.toXContent(builder, params);
        }
        return builder.endObject();
    }
}
