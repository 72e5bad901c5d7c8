/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import static org.crossencoder.opensearch.pipeline.CrossEncoderRerankResponseProcessor.KEEP_FIRST_STAGE_SCORE_AS;
import static org.crossencoder.opensearch.pipeline.CrossEncoderRerankResponseProcessor.MIN_SCORE;

import java.util.List;
import java.util.function.Supplier;
import org.crossencoder.opensearch.compat.NodeActions;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreMode;
import org.crossencoder.opensearch.ranking.VisibleText;
import org.crossencoder.opensearch.rescore.BestWindowFetchSubPhase;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.indices.IndicesModule;
import org.opensearch.search.pipeline.SearchResponseProcessor;

/** Reads the configuration of a {@code cross_encoder_rerank} response processor in a search pipeline definition. */
public final class CrossEncoderRerankProcessorFactory extends ProcessorFactory<SearchResponseProcessor> {

    private final ThreadContext threadContext;
    private final NodeActions client;
    private final Supplier<DiscoveryNode> localNode;

    public CrossEncoderRerankProcessorFactory(
            Supplier<InferenceService> inference,
            ThreadContext threadContext,
            NodeActions client,
            Supplier<DiscoveryNode> localNode) {
        super(CrossEncoderRerankResponseProcessor.TYPE, inference);
        this.threadContext = threadContext;
        this.client = client;
        this.localNode = localNode;
    }

    @Override
    CrossEncoderRerankResponseProcessor create(
            String tag, String description, boolean ignoreFailure, ProcessorConfig options) {
        Chunks chunks = options.chunks();
        List<String> fields = options.fields(chunks);
        PassageWindows passageWindows = options.passageWindows();
        CrossEncoderRerankResponseProcessor.Options rerank = new CrossEncoderRerankResponseProcessor.Options(
                options.selection(),
                options.positiveInt("window_size", null),
                blend(options),
                passageWindows,
                chunks,
                options.queryTextResolver(),
                options.allowRerankerFailures());
        HitScoring.On scoreOn = scoreOn(options);
        if (scoreOn == HitScoring.On.DATA_NODES) {
            options.refuseInnerHits(chunks, "[score_on] [data_nodes] reads each document on its shard and");
        } else if (chunks != null && chunks.innerHits() != null) {
            try {
                InnerHitChunks.checkField(chunks);
            } catch (IllegalArgumentException e) {
                throw options.invalid(Chunks.NAME, e.getMessage());
            }
        }
        HitScoring scoring = scoreOn == HitScoring.On.DATA_NODES
                ? new DataNodeScoring(client, localNode, inference, fields, passageWindows, chunks)
                : new CoordinatorScoring(fields, chunks);
        ResponseReranking reranking =
                new ResponseReranking(fields, options.optionalNumber(MIN_SCORE), keepFirstStageScoreAs(options));
        return new CrossEncoderRerankResponseProcessor(
                tag, description, ignoreFailure, inference, threadContext, rerank, scoring, reranking);
    }

    /** A field name of the hit's {@code fields}, which must not be blank or hide a metadata field or our own. */
    private static String keepFirstStageScoreAs(ProcessorConfig options) {
        String name = options.optionalString(KEEP_FIRST_STAGE_SCORE_AS);
        if (name == null) {
            return null;
        }
        if (VisibleText.isBlank(name)) {
            throw options.invalid(KEEP_FIRST_STAGE_SCORE_AS, "must name a field, but was blank");
        }
        if (name.startsWith("_")) {
            throw options.invalid(
                    KEEP_FIRST_STAGE_SCORE_AS,
                    "[" + name + "] is a metadata field name: names that begin with [_] belong to OpenSearch ("
                            + IndicesModule.getBuiltInMetadataFields().stream()
                                    .sorted()
                                    .toList()
                            + ", _score...) and to this plugin (" + BestWindowFetchSubPhase.FIELD
                            + "); name a field of your own");
        }
        return name;
    }

    private static HitScoring.On scoreOn(ProcessorConfig options) {
        try {
            return HitScoring.On.fromString(options.string("score_on", HitScoring.On.COORDINATOR.toString()));
        } catch (IllegalArgumentException e) {
            throw options.invalid("score_on", e.getMessage());
        }
    }

    /**
     * {@code replace} (the model's score) or {@code interpolate}: the scores merged from shards share no scale. A
     * model's default blend is one of the two ({@code ModelConfig}).
     */
    private static BlendOptions blend(ProcessorConfig options) {
        BlendOptions blend = options.blend();
        if (blend.scoreMode() != null
                && blend.scoreMode() != ScoreMode.REPLACE
                && blend.scoreMode() != ScoreMode.INTERPOLATE) {
            throw new IllegalArgumentException("[" + CrossEncoderRerankResponseProcessor.TYPE
                    + "] [score_mode] must be one of [replace, interpolate] but was [" + blend.scoreMode()
                    + "]: the other modes add raw scores that shards do not share a scale for");
        }
        if (blend.queryWeight() != null || blend.rescoreQueryWeight() != null) {
            throw new IllegalArgumentException("[" + CrossEncoderRerankResponseProcessor.TYPE
                    + "] takes no [query_weight] or [rescore_query_weight]: use score_mode [interpolate]");
        }
        return blend;
    }
}
