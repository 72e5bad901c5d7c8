/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;

/**
 * A plan's model work as it travels to a node of the reranking tier: the passages' texts, the query, the models pinned
 * to the versions the planning node resolved (the tier node must serve those), and how the passages are read (windows
 * resolved by the planning node, chunks' character ranges).
 */
public final class ScoringWork implements Writeable {

    private final ModelSelection selection;
    private final String plannedOn;
    private final String queryText;
    private final List<String> texts;

    @Nullable
    private final PassageWindows.Resolved windows;

    @Nullable
    private final Scorer.ChunkedPassages chunks;

    ScoringWork(
            ModelSelection selection,
            String plannedOn,
            String queryText,
            List<String> texts,
            @Nullable PassageWindows.Resolved windows,
            @Nullable Scorer.ChunkedPassages chunks) {
        this.selection = selection;
        this.plannedOn = plannedOn;
        this.queryText = queryText;
        this.texts = List.copyOf(texts);
        this.windows = windows;
        this.chunks = chunks;
    }

    public ScoringWork(StreamInput in) throws IOException {
        this.selection = new ModelSelection(in);
        this.plannedOn = in.readString();
        this.queryText = in.readString();
        this.texts = in.readStringList();
        this.windows = in.readBoolean()
                ? new PassageWindows.Resolved(
                        in.readVInt(),
                        in.readVInt(),
                        in.readVInt(),
                        in.readEnum(PassageWindows.Combine.class),
                        in.readBoolean())
                : null;
        if (in.readBoolean()) {
            int[][] bounds = new int[in.readVInt()][];
            for (int i = 0; i < bounds.length; i++) {
                bounds[i] = in.readVIntArray();
            }
            this.chunks = new Scorer.ChunkedPassages(bounds, in.readEnum(PassageWindows.Combine.class));
        } else {
            this.chunks = null;
        }
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        selection.writeTo(out);
        out.writeString(plannedOn);
        out.writeString(queryText);
        out.writeStringCollection(texts);
        out.writeBoolean(windows != null);
        if (windows != null) {
            out.writeVInt(windows.length());
            out.writeVInt(windows.stride());
            out.writeVInt(windows.maxWindows());
            out.writeEnum(windows.combine());
            out.writeBoolean(windows.returnBest());
        }
        out.writeBoolean(chunks != null);
        if (chunks != null) {
            out.writeVInt(chunks.bounds().length);
            for (int[] bounds : chunks.bounds()) {
                out.writeVIntArray(bounds);
            }
            out.writeEnum(chunks.combine());
        }
    }

    ModelSelection selection() {
        return selection;
    }

    String plannedOn() {
        return plannedOn;
    }

    String queryText() {
        return queryText;
    }

    List<String> texts() {
        return texts;
    }

    @Nullable
    PassageWindows.Resolved windows() {
        return windows;
    }

    @Nullable
    Scorer.ChunkedPassages chunks() {
        return chunks;
    }

    /** The work of passages {@code from} (inclusive) to {@code to} (exclusive) alone: a part for one node. */
    public ScoringWork slice(int from, int to) {
        return new ScoringWork(
                selection,
                plannedOn,
                queryText,
                texts.subList(from, to),
                windows,
                chunks == null
                        ? null
                        : new Scorer.ChunkedPassages(Arrays.copyOfRange(chunks.bounds(), from, to), chunks.combine()));
    }

    /** How many passages it scores (each one pair per model, or more in windows or chunks). */
    public int passages() {
        return texts.size();
    }

    @Override
    public String toString() {
        return passages() + " passages with cross-encoder " + selection + " planned on node [" + plannedOn + "]";
    }
}
