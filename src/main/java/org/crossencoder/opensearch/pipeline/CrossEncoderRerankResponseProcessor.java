/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.lucene.search.Explanation;
import org.crossencoder.opensearch.compat.NodeActions;
import org.crossencoder.opensearch.model.Ensemble;
import org.crossencoder.opensearch.model.FailureKind;
import org.crossencoder.opensearch.model.InferenceBudget;
import org.crossencoder.opensearch.model.InferenceService;
import org.crossencoder.opensearch.model.LowerCaseOptions;
import org.crossencoder.opensearch.model.ModelSelection;
import org.crossencoder.opensearch.model.PassageScores;
import org.crossencoder.opensearch.model.PassageWindows;
import org.crossencoder.opensearch.model.ScoringRequest;
import org.crossencoder.opensearch.model.VisibleText;
import org.crossencoder.opensearch.rescore.BestWindowFetchSubPhase;
import org.crossencoder.opensearch.rescore.BlendOptions;
import org.crossencoder.opensearch.rescore.Interpolation;
import org.crossencoder.opensearch.rescore.PassageReader;
import org.crossencoder.opensearch.rescore.Reranking;
import org.crossencoder.opensearch.rescore.ScoreExplanations;
import org.crossencoder.opensearch.rescore.ScoreMode;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.common.Nullable;
import org.opensearch.common.document.DocumentField;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.indices.IndicesModule;
import org.opensearch.search.SearchHit;
import org.opensearch.search.fetch.subphase.FetchSourceContext;
import org.opensearch.search.pipeline.AbstractProcessor;
import org.opensearch.search.pipeline.PipelineProcessingContext;
import org.opensearch.search.pipeline.SearchResponseProcessor;

/**
 * Search response processor {@code cross_encoder_rerank}: reranks the merged hits on the coordinating node,
 * one global order whatever the first stage (BM25, kNN, hybrid). It reranks the first {@code window_size}
 * hits of the response (all of them by default); the rest keep their order below. It reads the fields from
 * each hit's {@code _source} in the response, so a request that filters {@code _source} is refused, and
 * because it sees only the page it is given, a request with {@code from > 0} is refused too: page within a
 * reranked {@code size}, or use {@code cross_encoder_rescore}, which pages on the shards.
 */
public final class CrossEncoderRerankResponseProcessor extends AbstractProcessor implements SearchResponseProcessor {

    public static final String TYPE = "cross_encoder_rerank";
    static final String MIN_SCORE = "min_score";
    static final String KEEP_FIRST_STAGE_SCORE_AS = "keep_first_stage_score_as";
    private static final String WHAT_IS_RERANKED = "[" + TYPE + "] the number of hits to rerank";
    private static final String REMEDY = "; ask a smaller [size] or give the processor a [window_size]";

    private final Supplier<InferenceService> inference;
    private final ThreadContext threadContext;
    private final ModelSelection selection;
    /** Null: every hit stays. */
    private final Float minScore;

    private final List<String> fields;
    private final PassageReader passages;
    private final Integer windowSize;
    private final String keepFirstStageScoreAs;
    /** Resolved with the model's default blend for each response: {@code replace} or {@code interpolate}. */
    private final BlendOptions scoreOptions;

    private final QueryTextResolver queryText;
    private final ScoreOn scoreOn;
    private final DataNodeScoring dataNodes;
    /** Null: as the model's {@code cross-encoder.json} says. */
    private final PassageWindows passageWindows;

    private final boolean allowRerankerFailures;

    /** Where the model scores the window: on this coordinating node, or on the data nodes that hold the hits. */
    enum ScoreOn {
        COORDINATOR,
        DATA_NODES;

        static ScoreOn fromString(String value) {
            return LowerCaseOptions.parse(ScoreOn.class, "score_on", value);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    CrossEncoderRerankResponseProcessor(
            String tag,
            String description,
            boolean ignoreFailure,
            Supplier<InferenceService> inference,
            ThreadContext threadContext,
            ModelSelection selection,
            Float minScore,
            List<String> fields,
            Integer windowSize,
            String keepFirstStageScoreAs,
            BlendOptions scoreOptions,
            QueryTextResolver queryText,
            ScoreOn scoreOn,
            DataNodeScoring dataNodes,
            PassageWindows passageWindows,
            boolean allowRerankerFailures) {
        super(tag, description, ignoreFailure);
        this.allowRerankerFailures = allowRerankerFailures;
        this.passageWindows = passageWindows;
        this.scoreOn = scoreOn;
        this.dataNodes = dataNodes;
        this.inference = inference;
        this.threadContext = threadContext;
        this.selection = selection;
        this.minScore = minScore;
        this.fields = fields;
        this.passages = PassageReader.ofSourceFields(fields);
        this.windowSize = windowSize;
        this.keepFirstStageScoreAs = keepFirstStageScoreAs;
        this.scoreOptions = scoreOptions;
        this.queryText = queryText;
    }

    /** Search pipelines call {@link #processResponseAsync}; waiting here for the model would block a search thread. */
    @Override
    public SearchResponse processResponse(SearchRequest request, SearchResponse response) {
        throw new UnsupportedOperationException(
                "[" + TYPE + "] runs the model asynchronously: use processResponseAsync");
    }

    @Override
    public void processResponseAsync(
            SearchRequest request,
            SearchResponse response,
            PipelineProcessingContext context,
            ActionListener<SearchResponse> listener) {
        long start = System.nanoTime();
        RerankWindow page = RerankWindow.of(context);
        SearchHit[] hits = response.getHits().getHits();
        ActionListener<SearchResponse> answer =
                ActionListener.wrap(listener::onResponse, e -> failed(e, response, hits, page, start, listener));
        String text;
        int window;
        try {
            if (page != null && page.beyond()) {
                listener.onResponse(response);
                return;
            }
            String sortedBy = SortedSearches.sortedBy(request);
            if (sortedBy != null) {
                listener.onResponse(firstStage(
                        response,
                        hits,
                        page,
                        start,
                        NotRerankedExt.SORTED_SEARCH,
                        SortedSearches.keptOrder(TYPE, sortedBy)));
                return;
            }
            text = queryText.resolve(request);
            if (text == null || hits.length == 0) {
                // Nothing to rerank; a widened search still owes the page that was asked for.
                listener.onResponse(page == null ? response : firstStage(response, hits, page, start, null, null));
                return;
            }
            checkRerankable(request, page);
            window = page != null
                    ? Math.min(page.window(), hits.length)
                    : windowSize == null ? hits.length : Math.min(windowSize, hits.length);
        } catch (RuntimeException e) {
            answer.onFailure(e);
            return;
        }
        InferenceBudget budget = budget(request, response, start);
        boolean explain =
                request.source() != null && Boolean.TRUE.equals(request.source().explain());
        ScoringRequest scoring = ScoringRequest.of(selection, text, "[" + TYPE + "]")
                .passages(window, WHAT_IS_RERANKED, REMEDY)
                .windows(passageWindows);
        inference
                .get()
                .plan(
                        scoring,
                        ActionListener.wrap(
                                plan -> {
                                    Interpolation interpolation = scoreOptions
                                            .resolve(plan.ensemble())
                                            .interpolation();
                                    ActionListener<PassageScores> reranked = ActionListener.map(
                                            answer,
                                            scores -> rerank(
                                                    response,
                                                    hits,
                                                    plan.ensemble(),
                                                    scores,
                                                    plan.windows(),
                                                    interpolation,
                                                    page,
                                                    explain,
                                                    start));
                                    SearchHit[] scored = Arrays.copyOf(hits, window);
                                    if (scoreOn == ScoreOn.DATA_NODES) {
                                        dataNodes.score(
                                                plan.ensemble(),
                                                text,
                                                fields,
                                                scored,
                                                passageWindows,
                                                budget,
                                                reranked);
                                    } else {
                                        List<PassageReader.Passage> read = passages(scored);
                                        plan.score(
                                                read.stream()
                                                        .map(PassageReader.Passage::text)
                                                        .toList(),
                                                budget,
                                                ActionListener.map(
                                                        reranked,
                                                        scores -> PassageReader.locateBestWindows(scores, read)));
                                    }
                                },
                                answer::onFailure));
    }

    /**
     * Every failure is counted once. With {@code allow_reranker_failures}, one that is the model's or the node's (not
     * the request's, nor a cancellation) answers the first-stage hits and says why in the response; so does any failure
     * under OpenSearch's {@code ignore_failure} when {@code cross_encoder_window} widened the search, which would
     * otherwise pass on the whole widened window instead of the page asked for.
     */
    private void failed(
            Exception e,
            SearchResponse response,
            SearchHit[] hits,
            RerankWindow page,
            long start,
            ActionListener<SearchResponse> listener) {
        InferenceService service = inference.get();
        boolean cancelled = FailureKind.isCancellation(e);
        FailureKind kind = cancelled ? null : FailureKind.of(e);
        boolean fallBack = cancelled == false
                && ((allowRerankerFailures && kind.fallsBackToFirstStage()) || (page != null && isIgnoreFailure()));
        if (fallBack == false) {
            service.onFailure(e);
            listener.onFailure(e);
            return;
        }
        if (allowRerankerFailures && kind.fallsBackToFirstStage()) {
            service.onFallback(kind);
        } else {
            service.onFailure(e);
        }
        SearchResponse firstStage;
        try {
            firstStage = firstStage(response, hits, page, start, kind.toString(), e.getMessage());
        } catch (RuntimeException unexpected) {
            listener.onFailure(unexpected);
            return;
        }
        listener.onResponse(firstStage);
    }

    /**
     * The response with its hits as the first stage ordered them (the page asked for, if the search was widened), with a
     * note of why in its {@code ext} when {@code kind} is not null.
     */
    private static SearchResponse firstStage(
            SearchResponse response,
            SearchHit[] hits,
            RerankWindow page,
            long start,
            @Nullable String kind,
            @Nullable String reason) {
        SearchHit[] shown = page == null ? hits : page.of(hits);
        return SearchResponses.withHits(
                response,
                shown,
                response.getHits().getMaxScore(),
                false,
                start,
                kind == null ? null : new NotRerankedExt(kind, reason, shown.length));
    }

    /** The fields of each hit, from its {@code _source} in the response. */
    private List<PassageReader.Passage> passages(SearchHit[] hits) {
        List<PassageReader.Passage> read = new ArrayList<>(hits.length);
        for (int i = 0; i < hits.length; i++) {
            Map<String, Object> source = hits[i].getSourceAsMap();
            if (source == null) {
                throw new IllegalArgumentException("[" + TYPE + "] reads " + fields + " from _source, and hit ["
                        + hits[i].getId() + "] of [" + hits[i].getIndex() + "] has none");
            }
            read.add(passages.read(source));
        }
        return read;
    }

    /** The search's own task and what is left of its {@code timeout} after the search itself. */
    private InferenceBudget budget(SearchRequest request, SearchResponse response, long nowNanos) {
        TimeValue timeout = request.source() == null ? null : request.source().timeout();
        TimeValue left = timeout == null
                ? null
                : TimeValue.timeValueMillis(
                        Math.max(0, timeout.millis() - response.getTook().millis()));
        return InferenceBudget.of(SearchTaskFilter.current(threadContext), left, nowNanos);
    }

    private void checkRerankable(SearchRequest request, RerankWindow page) {
        if (request.source() == null) {
            return;
        }
        if (page == null && request.source().from() > 0) {
            throw new IllegalArgumentException("["
                    + TYPE
                    + "] reranks the hits of one response and cannot order pages it does not see: put the ["
                    + CrossEncoderWindowRequestProcessor.TYPE
                    + "] request processor before it, which fetches the whole window for every page");
        }
        FetchSourceContext fetchSource = request.source().fetchSource();
        if (scoreOn == ScoreOn.COORDINATOR
                && fetchSource != null
                && (fetchSource.fetchSource() == false
                        || fetchSource.includes().length > 0
                        || fetchSource.excludes().length > 0)) {
            throw new IllegalArgumentException("["
                    + TYPE
                    + "] reads "
                    + fields
                    + " from each hit's _source, which this request filters: drop the _source filter, or set [score_on] "
                    + "[data_nodes], which reads _source on the shards whatever the response shows");
        }
    }

    /**
     * The response with the hits the model scored first, in its order, then (in their previous order) those a
     * timeout left unscored and those below the window; every other part of the response is kept as it was. With
     * {@code min_score}, only the scored hits with at least that score stay. The model's score replaces the first
     * stage's, or with an {@code interpolation} blends with it.
     */
    private SearchResponse rerank(
            SearchResponse response,
            SearchHit[] hits,
            Ensemble ensemble,
            PassageScores scores,
            PassageWindows.Resolved windows,
            @Nullable Interpolation interpolation,
            RerankWindow page,
            boolean explain,
            long startNanos) {
        float[] firstStage = new float[hits.length];
        for (int i = 0; i < hits.length; i++) {
            firstStage[i] = hits[i].getScore();
        }
        Reranking.Combiner combiner;
        Interpolation.Window blend = interpolation == null ? null : interpolation.over(firstStage, scores);
        if (blend == null) {
            combiner = (hit, modelScore) -> modelScore;
        } else {
            combiner = (hit, modelScore) -> blend.combine(hit);
        }
        Reranking reranking = Reranking.of(firstStage, scores, combiner, Integer::compare);
        List<SearchHit> reranked = new ArrayList<>(hits.length);
        for (int rank = 0; rank < hits.length; rank++) {
            int hit = reranking.hitAt(rank);
            boolean scored = rank < reranking.scoredCount();
            if (minScore != null && (scored == false || reranking.score(hit) < minScore)) {
                continue;
            }
            if (keepFirstStageScoreAs != null && scored) {
                hits[hit].setDocumentField(
                        keepFirstStageScoreAs, new DocumentField(keepFirstStageScoreAs, List.of(hits[hit].getScore())));
            }
            if (windows != null && windows.returnBest() && scores.windows(hit) != null) {
                BestWindowFetchSubPhase.show(hits[hit], scores.windows(hit));
            }
            if (explain) {
                hits[hit].explanation(
                        explain(hits[hit], reranking.score(hit), scored, ensemble, scores, windows, blend, hit));
            }
            hits[hit].score(reranking.score(hit));
            reranked.add(hits[hit]);
        }
        float maxScore = reranked.isEmpty()
                ? Float.NaN
                : reranking.scoredCount() > 0
                        ? reranked.get(0).getScore()
                        : response.getHits().getMaxScore();
        SearchHit[] kept = reranked.toArray(SearchHit[]::new);
        return SearchResponses.withHits(
                response, page == null ? kept : page.of(kept), maxScore, scores.timedOut(), startNanos, null);
    }

    /** How a hit's score came about: the model's score and how it was combined, or why the model did not score it. */
    private Explanation explain(
            SearchHit hit,
            float score,
            boolean scored,
            Ensemble ensemble,
            PassageScores scores,
            PassageWindows.Resolved windows,
            Interpolation.Window blend,
            int position) {
        Explanation first = hit.getExplanation() != null
                ? hit.getExplanation()
                : Explanation.match(hit.getScore(), "first-stage score");
        if (scored == false) {
            return Explanation.match(
                    score,
                    "not reranked: below the window of [" + scores.size()
                            + "] hits the model scored, or not reached before the "
                            + "search's timeout; kept in first-stage order after every reranked hit",
                    first);
        }
        Explanation crossEncoder = ScoreExplanations.explain(
                ensemble,
                scores,
                position,
                windows,
                "cross-encoder score (" + TYPE + ") of the query text with " + fields + " by " + ensemble.describe());
        if (blend != null) {
            return blend.explain(position, first, crossEncoder);
        }
        return Explanation.match(
                score,
                "score_mode [replace]: the cross-encoder score, in place of the first stage's",
                crossEncoder,
                first);
    }

    @Override
    public String getType() {
        return TYPE;
    }

    /** Reads the processor's configuration in a search pipeline definition. */
    public static final class Factory extends ProcessorFactory<SearchResponseProcessor> {

        private final ThreadContext threadContext;
        private final DataNodeScoring dataNodes;

        public Factory(
                Supplier<InferenceService> inference,
                ThreadContext threadContext,
                NodeActions client,
                Supplier<DiscoveryNode> localNode) {
            super(TYPE, inference);
            this.threadContext = threadContext;
            this.dataNodes = new DataNodeScoring(client, localNode, inference);
        }

        @Override
        CrossEncoderRerankResponseProcessor create(
                String tag, String description, boolean ignoreFailure, ProcessorConfig options) {
            return new CrossEncoderRerankResponseProcessor(
                    tag,
                    description,
                    ignoreFailure,
                    inference,
                    threadContext,
                    options.selection(),
                    options.optionalNumber(MIN_SCORE),
                    options.fields(),
                    options.positiveInt("window_size", null),
                    keepFirstStageScoreAs(options),
                    blend(options),
                    options.queryTextResolver(),
                    scoreOn(options),
                    dataNodes,
                    options.passageWindows(),
                    options.allowRerankerFailures());
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

        private static ScoreOn scoreOn(ProcessorConfig options) {
            try {
                return ScoreOn.fromString(options.string("score_on", ScoreOn.COORDINATOR.toString()));
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
                throw new IllegalArgumentException("[" + TYPE
                        + "] [score_mode] must be one of [replace, interpolate] but was [" + blend.scoreMode()
                        + "]: the other modes add raw scores that shards do not share a scale for");
            }
            if (blend.queryWeight() != null || blend.rescoreQueryWeight() != null) {
                throw new IllegalArgumentException("[" + TYPE
                        + "] takes no [query_weight] or [rescore_query_weight]: use score_mode [interpolate]");
            }
            return blend;
        }
    }
}
