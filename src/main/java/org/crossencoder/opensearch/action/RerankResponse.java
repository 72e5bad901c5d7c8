/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.crossencoder.opensearch.ranking.PassageWindowScores;
import org.opensearch.common.Nullable;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The texts' scores, best first, each with its position in the request. When the request's {@code timeout}
 * stopped the model, {@code timed_out} is true and the texts it did not reach follow, in request order,
 * without a score.
 */
public final class RerankResponse extends ActionResponse implements ToXContentObject {

    /** A text's score, and its best window when the request asked for it ({@code passage_windows.return_best}). */
    public record Result(
            int index, @Nullable Float score, @Nullable PassageWindowScores bestWindow) {

        public Result(int index, @Nullable Float score) {
            this(index, score, null);
        }
    }

    private final List<String> models;
    private final long tookMillis;
    private final boolean timedOut;
    private final List<Result> results;
    /** Whether the texts were documents read chunk by chunk: each result's best part is then its best chunk. */
    private final boolean chunked;

    public RerankResponse(List<String> models, long tookMillis, boolean timedOut, List<Result> results) {
        this(models, tookMillis, timedOut, results, false);
    }

    public RerankResponse(
            List<String> models, long tookMillis, boolean timedOut, List<Result> results, boolean chunked) {
        this.models = List.copyOf(models);
        this.tookMillis = tookMillis;
        this.timedOut = timedOut;
        this.results = List.copyOf(results);
        this.chunked = chunked;
    }

    /**
     * The texts' results best first, then those the model had no time for in their given order; {@code topN} of them.
     * With {@code minScore}, only texts scored at least that: those below it, and those not scored, are left out.
     */
    public static RerankResponse of(
            List<String> models,
            long tookMillis,
            PassageScores scores,
            boolean withBestWindows,
            boolean chunked,
            @Nullable Integer topN,
            @Nullable Float minScore) {
        List<Result> scored = new ArrayList<>(scores.size());
        List<Result> unscored = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            if (scores.isScored(i) == false) {
                if (minScore == null) {
                    unscored.add(new Result(i, null));
                }
            } else if (minScore == null || scores.score(i) >= minScore) {
                scored.add(new Result(i, scores.score(i), withBestWindows ? scores.windows(i) : null));
            }
        }
        scored.sort(Comparator.comparingDouble((Result r) -> -r.score()).thenComparingInt(Result::index));
        scored.addAll(unscored);
        return new RerankResponse(
                models,
                tookMillis,
                scores.timedOut(),
                topN == null ? scored : scored.subList(0, Math.min(topN, scored.size())),
                chunked);
    }

    public RerankResponse(StreamInput in) throws IOException {
        super(in);
        models = in.readStringList();
        tookMillis = in.readVLong();
        timedOut = in.readBoolean();
        results = in.readList(i ->
                new Result(i.readVInt(), i.readOptionalFloat(), i.readOptionalWriteable(PassageWindowScores::new)));
        chunked = in.readBoolean();
    }

    public List<String> models() {
        return models;
    }

    public long tookMillis() {
        return tookMillis;
    }

    public List<Result> results() {
        return results;
    }

    public boolean timedOut() {
        return timedOut;
    }

    public boolean chunked() {
        return chunked;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeStringCollection(models);
        out.writeVLong(tookMillis);
        out.writeBoolean(timedOut);
        out.writeCollection(results, (o, r) -> {
            o.writeVInt(r.index());
            o.writeOptionalFloat(r.score());
            o.writeOptionalWriteable(r.bestWindow());
        });
        out.writeBoolean(chunked);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof RerankResponse other
                && models.equals(other.models)
                && tookMillis == other.tookMillis
                && timedOut == other.timedOut
                && results.equals(other.results)
                && chunked == other.chunked;
    }

    @Override
    public int hashCode() {
        return Objects.hash(models, tookMillis, timedOut, results, chunked);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        if (models.size() == 1) {
            builder.field("model", models.get(0));
        } else {
            builder.field("models", models);
        }
        builder.field("took", tookMillis);
        builder.field("timed_out", timedOut);
        builder.startArray("results");
        for (Result result : results) {
            builder.startObject().field("index", result.index());
            if (result.score() != null) {
                builder.field("score", result.score());
            }
            if (result.bestWindow() != null && chunked) {
                builder.field("best_chunk", result.bestWindow().bestChunkAsMap());
            } else if (result.bestWindow() != null) {
                builder.field("best_window", result.bestWindow());
            }
            builder.endObject();
        }
        builder.endArray();
        return builder.endObject();
    }
}
