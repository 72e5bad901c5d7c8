/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.util.List;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.opensearch.common.Nullable;

/**
 * What a request asks to have scored, as every way in describes it to {@link InferenceService#plan}: the models, the
 * query text, how many passages and how they are read, and how errors name the request.
 */
public final class ScoringRequest {

    private final ModelSelection selection;
    private final String queryText;
    private final String caller;
    private int passages = -1;
    private String whatIsScored;
    private String remedy = "";

    @Nullable
    private PassageWindows windows;

    @Nullable
    private Chunks chunks;

    @Nullable
    private List<String> texts;

    @Nullable
    private String plannedOn;

    private ScoringRequest(ModelSelection selection, String queryText, String caller) {
        this.selection = selection;
        this.queryText = queryText;
        this.caller = caller;
    }

    /** {@code caller} names the request in errors, e.g. {@code [rerank]}. */
    public static ScoringRequest of(ModelSelection selection, String queryText, String caller) {
        return new ScoringRequest(selection, queryText, caller);
    }

    /**
     * Up to {@code count} passages, each a model pass (or several, in windows), which the pair limits bound; {@code what}
     * names them in an error and {@code remedy} (may be empty) says what to change. Without it (a data node's share of a
     * request its coordinating node checked) no pair limit applies.
     */
    public ScoringRequest passages(int count, String what, String remedy) {
        this.passages = count;
        this.whatIsScored = what;
        this.remedy = remedy;
        return this;
    }

    /** The request's {@code passage_windows} option; null when it gives none (the model's default applies). */
    public ScoringRequest windows(@Nullable PassageWindows requested) {
        this.windows = requested;
        return this;
    }

    /** The request's {@code chunks} option; null when each document is one passage. */
    public ScoringRequest chunks(@Nullable Chunks chunks) {
        this.chunks = chunks;
        return this;
    }

    @Nullable
    Chunks chunks() {
        return chunks;
    }

    /** The texts of a {@code _rerank} call, whose total length has a limit of its own. */
    public ScoringRequest texts(List<String> texts) {
        this.texts = texts;
        return this;
    }

    /** The node that pinned the selection's model versions; null when this node plans the request. */
    public ScoringRequest plannedOn(@Nullable String node) {
        this.plannedOn = node;
        return this;
    }

    ModelSelection selection() {
        return selection;
    }

    String queryText() {
        return queryText;
    }

    @Nullable
    PassageWindows windows() {
        return windows;
    }

    @Nullable
    String plannedOn() {
        return plannedOn;
    }

    /** Checks what needs no model: the query text, the texts' length, and the pairs one pass per passage makes. */
    void checkBeforeResolving(RequestLimits limits) {
        limits.checkQueryText(queryText, caller);
        if (texts != null) {
            limits.checkRerankTextLength(texts);
        }
        if (passages >= 0) {
            limits.checkPairLimit(passages, null, chunks, selection.size(), whatIsScored, remedy);
        }
    }

    /** Checks the pairs the resolved models make reading each passage in {@code resolved} windows. */
    void checkResolved(RequestLimits limits, Ensemble ensemble, @Nullable PassageWindows.Resolved resolved) {
        if (passages >= 0 && resolved != null) {
            limits.checkPairLimit(passages, resolved, chunks, ensemble.size(), whatIsScored, remedy);
        }
    }
}
