/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.lucene.search.TotalHits;
import org.crossencoder.opensearch.engine.GeneratedTinyModel;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.rescore.BestWindowFetchSubPhase;
import org.crossencoder.opensearch.rescore.CrossEncoderRescorerBuilder;
import org.crossencoder.opensearch.rescore.ShardSearches;
import org.crossencoder.opensearch.scoring.GeneratedModelInference;
import org.junit.ClassRule;
import org.junit.Test;
import org.opensearch.OpenSearchParseException;
import org.opensearch.action.search.SearchRequest;
import org.opensearch.action.search.SearchResponse;
import org.opensearch.action.search.ShardSearchFailure;
import org.opensearch.common.settings.Settings;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.index.query.QueryBuilders;
import org.opensearch.search.SearchExtBuilder;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;
import org.opensearch.search.builder.SearchSourceBuilder;
import org.opensearch.search.internal.InternalSearchResponse;
import org.opensearch.search.pipeline.PipelineProcessingContext;
import org.opensearch.search.pipeline.Processor;
import org.opensearch.search.pipeline.SearchRequestProcessor;
import org.opensearch.search.pipeline.SearchResponseProcessor;
import org.opensearch.test.OpenSearchTestCase;

/**
 * Both search processors and their factories without a node: configuration errors, where the request processor
 * finds the query text, and the response processor's order, on the model the build generates, run inline.
 */
public class SearchProcessorsTests extends OpenSearchTestCase {

    @ClassRule
    public static final GeneratedModelInference GENERATED = new GeneratedModelInference();

    private static final String MODEL = GeneratedTinyModel.NAME;
    private static final String QUERY = "how many people live in berlin";

    private static Map<String, Object> config(Object... keysAndValues) {
        Map<String, Object> config = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            config.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return config;
    }

    private static SearchRequestProcessor requestProcessor(
            Processor.PipelineSource source, Map<String, Object> config) {
        return new CrossEncoderRescoreRequestProcessor.Factory(GENERATED::service, new ShardSearches())
                .create(Map.of(), "tag", null, false, config, new Processor.PipelineContext(source));
    }

    private static SearchResponseProcessor responseProcessor(Map<String, Object> config) {
        // Scoring on the coordinator only here: DataNodeScoringIT covers the data nodes on a real cluster.
        return new CrossEncoderRerankProcessorFactory(
                        GENERATED::service, new ThreadContext(Settings.EMPTY), null, () -> {
                            throw new AssertionError("these tests score on the coordinator");
                        })
                .create(
                        Map.of(),
                        "tag",
                        null,
                        false,
                        config,
                        new Processor.PipelineContext(Processor.PipelineSource.VALIDATE_PIPELINE));
    }

    @Test
    public void factoriesNameWhatIsWrongWithAConfiguration() {
        Processor.PipelineSource put = Processor.PipelineSource.VALIDATE_PIPELINE;
        assertThat(
                assertThrows(
                                OpenSearchParseException.class,
                                () -> requestProcessor(put, config("model", MODEL, "fields", List.of())))
                        .getMessage(),
                containsString("[fields] must name at least one text field"));
        assertThat(
                assertThrows(
                                OpenSearchParseException.class,
                                () -> requestProcessor(
                                        put, config("model", MODEL, "fields", List.of("a"), "window_size", 0)))
                        .getMessage(),
                containsString("[window_size] must be at least 1"));
        assertThat(
                assertThrows(
                                OpenSearchParseException.class,
                                () -> requestProcessor(put, config("model", "absent", "fields", List.of("a"))))
                        .getMessage(),
                containsString(
                        "unknown cross-encoder model [absent] on node [node-1]; loaded models: [" + MODEL + "]"));
        assertThat(
                assertThrows(
                                OpenSearchParseException.class,
                                () -> responseProcessor(
                                        config("model", MODEL, "fields", List.of("a"), "window_size", -1)))
                        .getMessage(),
                containsString("[window_size] must be at least 1"));
        assertThat(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> responseProcessor(
                                        config("model", MODEL, "fields", List.of("a"), "score_mode", "total")))
                        .getMessage(),
                containsString("[score_mode] must be one of [replace, interpolate] but was [total]"));
        assertThat(
                assertThrows(
                                Exception.class,
                                () -> requestProcessor(
                                        put,
                                        config(
                                                "model",
                                                MODEL,
                                                "fields",
                                                List.of("a"),
                                                "score_mode",
                                                "total",
                                                "weight",
                                                0.5)))
                        .getMessage(),
                containsString("[normalization] and [weight] go with score_mode [interpolate], not [total]"));
    }

    @Test
    public void aStoredPipelineReachingANodeWithoutItsModelIsTaken() {
        // Only the node handling the PUT checks the model; the others take the pipeline as the cluster state brings it.
        requestProcessor(Processor.PipelineSource.UPDATE_PIPELINE, config("model", "absent", "fields", List.of("a")));
    }

    @Test
    public void theRequestProcessorAddsTheRescoreWithTheQueryTextFromExtOrFromTheQuery() throws Exception {
        SearchRequestProcessor processor = requestProcessor(
                Processor.PipelineSource.VALIDATE_PIPELINE,
                config(
                        "model",
                        MODEL,
                        "fields",
                        List.of("passage"),
                        "window_size",
                        30,
                        "query_text_path",
                        "match.passage.query"));
        SearchRequest fromQuery =
                new SearchRequest().source(new SearchSourceBuilder().query(QueryBuilders.matchQuery("passage", QUERY)));
        CrossEncoderRescorerBuilder rescore = (CrossEncoderRescorerBuilder)
                processor.processRequest(fromQuery).source().rescores().get(0);
        assertEquals(QUERY, rescore.queryText());
        assertEquals(30, (int) rescore.windowSize());
        assertEquals(List.of("passage"), rescore.fields());

        assertEquals("the ext wins", queryTextWith(processor, new CrossEncoderSearchExt("the ext wins")));
        assertEquals(
                "as written for neural-search's rerank",
                queryTextWith(processor, new NeuralSearchRerankExt("as written for neural-search's rerank")));
        assertEquals(
                "ours first",
                queryTextWith(
                        processor,
                        new NeuralSearchRerankExt("neural-search's"),
                        new CrossEncoderSearchExt("ours first")));

        SearchRequest without =
                new SearchRequest().source(new SearchSourceBuilder().query(QueryBuilders.matchAllQuery()));
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> processor.processRequest(without))
                        .getMessage(),
                containsString("[cross_encoder_rescore] found no query text"));
    }

    @Test
    public void bothProcessorsReadDocumentsMadeOfChunks() throws Exception {
        Map<String, Object> chunks = Map.of("field", "passage_chunks", "combine", "max");
        CrossEncoderRescorerBuilder rescore = (CrossEncoderRescorerBuilder)
                requestProcessor(Processor.PipelineSource.VALIDATE_PIPELINE, config("model", MODEL, "chunks", chunks))
                        .processRequest(requestWithQueryText())
                        .source()
                        .rescores()
                        .get(0);
        assertEquals(new Chunks("passage_chunks", PassageWindows.Combine.MAX, null, null, null), rescore.chunks());
        assertEquals("the chunk field is what the rescore reads", List.of("passage_chunks"), rescore.fields());

        SearchHit[] hits = new SearchHit[2];
        for (int i = 0; i < hits.length; i++) {
            hits[i] = new SearchHit(i, "doc-" + i, Map.of(), Map.of());
            hits[i].score(10f - i);
        }
        hits[0].sourceRef(
                new BytesArray("{\"passage_chunks\":[\"" + PASSAGES.get(0) + "\",\"" + PASSAGES.get(3) + "\"]}"));
        hits[1].sourceRef(new BytesArray("{\"passage_chunks\":[\"" + PASSAGES.get(0) + "\",\"" + PASSAGES.get(1) + "\","
                + "\"" + PASSAGES.get(2) + "\"]}"));
        float[] direct = GENERATED.reference().score(QUERY, PASSAGES);
        SearchHit[] reranked = rerank(
                responseProcessor(config("model", MODEL, "score_mode", "replace", "chunks", chunks)), responseOf(hits));
        Map<String, Float> scores =
                Map.of(reranked[0].getId(), reranked[0].getScore(), reranked[1].getId(), reranked[1].getScore());
        assertEquals(Math.max(direct[0], direct[3]), scores.get("doc-0"), 1e-5f);
        assertEquals(Math.max(direct[0], Math.max(direct[1], direct[2])), scores.get("doc-1"), 1e-5f);
        for (SearchHit hit : reranked) {
            Map<?, ?> best =
                    (Map<?, ?>) hit.field(BestWindowFetchSubPhase.CHUNK_FIELD).getValue();
            assertEquals(hit.getScore(), ((Number) best.get("score")).floatValue(), 1e-6f);
        }

        assertThat(
                assertThrows(
                                OpenSearchParseException.class,
                                () -> responseProcessor(config(
                                        "model", MODEL, "fields", List.of("title"), "chunks", Map.of("field", "c"))))
                        .getMessage(),
                containsString("[chunks] reads each document's text from its [field] [c], so [fields] [title] cannot "
                        + "be read with it"));
        assertThat(
                assertThrows(
                                OpenSearchParseException.class,
                                () -> requestProcessor(
                                        Processor.PipelineSource.VALIDATE_PIPELINE,
                                        config("chunks", Map.of("field", "c.text", "inner_hits", "matched"))))
                        .getMessage(),
                containsString("[chunks] [inner_hits] works only where the hits' inner hits are known"));
        assertThat(
                assertThrows(
                                OpenSearchParseException.class,
                                () -> responseProcessor(config("chunks", Map.of("field", "c", "max_chunks", 0))))
                        .getMessage(),
                containsString("[chunks] [max_chunks] must be between [1] and [1024] but was [0]"));
    }

    private static final List<String> PASSAGES =
            List.of("museums of new york", "people live in berlin", "the population of berlin", "a train to munich");

    /** A response with {@link #PASSAGES} as hits doc-0 to doc-3, first-stage scores 10, 9, 8, 7. */
    private static SearchResponse responseOfPassages() {
        SearchHit[] hits = new SearchHit[PASSAGES.size()];
        for (int i = 0; i < hits.length; i++) {
            hits[i] = new SearchHit(i, "doc-" + i, Map.of(), Map.of());
            hits[i].sourceRef(new BytesArray("{\"passage\":\"" + PASSAGES.get(i) + "\"}"));
            hits[i].score(10f - i);
        }
        return responseOf(hits);
    }

    private static SearchResponse responseOf(SearchHit[] hits) {
        return new SearchResponse(
                new InternalSearchResponse(
                        new SearchHits(hits, new TotalHits(4, TotalHits.Relation.EQUAL_TO), 10f),
                        null,
                        null,
                        null,
                        false,
                        null,
                        1),
                null,
                1,
                1,
                0,
                5,
                ShardSearchFailure.EMPTY_ARRAY,
                SearchResponse.Clusters.EMPTY);
    }

    private static SearchRequest requestWithQueryText() {
        return new SearchRequest()
                .source(new SearchSourceBuilder()
                        .query(QueryBuilders.matchAllQuery())
                        .ext(List.of(new CrossEncoderSearchExt(QUERY))));
    }

    private static SearchHit[] rerank(SearchResponseProcessor processor, SearchResponse response) {
        AtomicReference<SearchResponse> answered = new AtomicReference<>();
        processor.processResponseAsync(requestWithQueryText(), response, null, ActionListener.wrap(answered::set, e -> {
            throw new AssertionError(e);
        }));
        return answered.get().getHits().getHits();
    }

    private static SearchResponseProcessor interpolating(float weight) {
        return responseProcessor(config(
                "model",
                MODEL,
                "fields",
                List.of("passage"),
                "window_size",
                3,
                "score_mode",
                "interpolate",
                "weight",
                weight));
    }

    @Test
    public void theResponseProcessorInterpolatesNormalizedScoresWhenAsked() throws Exception {
        SearchHit[] firstStageOnly = rerank(interpolating(0.0f), responseOfPassages());
        assertEquals("weight 0 keeps the first stage's order", "doc-0", firstStageOnly[0].getId());
        assertEquals(
                "min-max over the window: the best first-stage hit scores 1", 1f, firstStageOnly[0].getScore(), 0f);
        assertEquals(0.5f, firstStageOnly[1].getScore(), 1e-6f);
        assertEquals(0f, firstStageOnly[2].getScore(), 0f);

        SearchHit[] modelOnly = rerank(interpolating(1.0f), responseOfPassages());
        SearchHit[] replaced = rerank(
                responseProcessor(config(
                        "model", MODEL, "fields", List.of("passage"), "window_size", 3, "score_mode", "replace")),
                responseOfPassages());
        for (int rank = 0; rank < 4; rank++) {
            assertEquals("weight 1 orders as the model alone", replaced[rank].getId(), modelOnly[rank].getId());
        }
    }

    @Test
    public void theResponseProcessorInterpolatesMinMaxHalfAndHalfByDefault() throws Exception {
        SearchHit[] byDefault = rerank(
                responseProcessor(config("model", MODEL, "fields", List.of("passage"), "window_size", 3)),
                responseOfPassages());
        SearchHit[] half = rerank(interpolating(0.5f), responseOfPassages());
        for (int rank = 0; rank < 4; rank++) {
            assertEquals(half[rank].getId(), byDefault[rank].getId());
            assertEquals(half[rank].getScore(), byDefault[rank].getScore(), 0f);
        }
    }

    @Test
    public void theResponseProcessorOrdersTheWindowByTheModelAndKeepsTheRestBelow() throws Exception {
        List<String> passages = PASSAGES;
        SearchResponse response = responseOfPassages();
        SearchRequest request = requestWithQueryText();
        SearchResponseProcessor processor = responseProcessor(
                config("model", MODEL, "fields", List.of("passage"), "window_size", 3, "score_mode", "replace"));
        assertThrows(UnsupportedOperationException.class, () -> processor.processResponse(request, response));

        AtomicReference<SearchResponse> answered = new AtomicReference<>();
        processor.processResponseAsync(request, response, null, ActionListener.wrap(answered::set, e -> {
            throw new AssertionError(e);
        }));
        SearchHit[] reranked = answered.get().getHits().getHits();
        float[] expected = GENERATED.reference().score(QUERY, passages.subList(0, 3));
        for (int rank = 0; rank < 3; rank++) {
            int doc = Integer.parseInt(reranked[rank].getId().substring(4));
            assertEquals(expected[doc], reranked[rank].getScore(), 1e-5f);
            if (rank > 0) {
                assertThat(reranked[rank].getScore(), lessThanOrEqualTo(reranked[rank - 1].getScore()));
            }
        }
        assertEquals("doc-3", reranked[3].getId());
        assertThat(
                "below the window, after every reranked hit", reranked[3].getScore(), lessThan(reranked[2].getScore()));
        assertSame(response.getClusters(), answered.get().getClusters());
    }

    @Test
    public void theWindowProcessorFetchesTheWholeWindowAndTheResponseProcessorReturnsThePageOfItsOrder()
            throws Exception {
        SearchRequestProcessor window = new CrossEncoderWindowRequestProcessor.Factory(GENERATED::service)
                .create(
                        Map.of(),
                        "tag",
                        null,
                        false,
                        config("window_size", 3),
                        new Processor.PipelineContext(Processor.PipelineSource.VALIDATE_PIPELINE));
        SearchResponseProcessor rerank = responseProcessor(config("model", MODEL, "fields", List.of("passage")));
        List<String> fullOrder = new ArrayList<>();
        for (SearchHit hit : rerank(rerank, responseOfPassages())) {
            fullOrder.add(hit.getId());
        }
        // Pages of one hit: each one fetches the window (or up to its end past it) and returns its slice of one order.
        for (int from = 0; from < 4; from++) {
            PipelineProcessingContext context = new PipelineProcessingContext();
            SearchRequest asked = requestWithQueryText();
            asked.source().from(from).size(1);
            SearchRequest page = window.processRequest(asked, context);
            assertEquals("from " + from, from < 3 ? 0 : from, page.source().from());
            assertEquals("from " + from, from < 3 ? 3 : 1, page.source().size());
            SearchResponse searched = from < 3 ? responseOfPassages() : pageOfPassages(3);
            AtomicReference<SearchResponse> answered = new AtomicReference<>();
            rerank.processResponseAsync(page, searched, context, ActionListener.wrap(answered::set, e -> {
                throw new AssertionError(e);
            }));
            SearchHit[] hits = answered.get().getHits().getHits();
            assertEquals(1, hits.length);
            assertEquals("from " + from, fullOrder.get(from), hits[0].getId());
        }
        assertEquals("past the window, first-stage order", "doc-3", fullOrder.get(3));

        // A widened search without query text (let through by ignore_missing_query_text) still gets its page only.
        SearchResponseProcessor lenient = responseProcessor(
                config("model", MODEL, "fields", List.of("passage"), "ignore_missing_query_text", true));
        PipelineProcessingContext context = new PipelineProcessingContext();
        SearchRequest withoutText = window.processRequest(
                new SearchRequest().source(new SearchSourceBuilder().from(1).size(1)), context);
        AtomicReference<SearchResponse> passedThrough = new AtomicReference<>();
        lenient.processResponseAsync(
                withoutText, responseOfPassages(), context, ActionListener.wrap(passedThrough::set, e -> {
                    throw new AssertionError(e);
                }));
        assertEquals(1, passedThrough.get().getHits().getHits().length);
        assertEquals("doc-1", passedThrough.get().getHits().getHits()[0].getId());
        assertThrows(
                OpenSearchParseException.class,
                () -> new CrossEncoderWindowRequestProcessor.Factory(GENERATED::service)
                        .create(
                                Map.of(),
                                "tag",
                                null,
                                false,
                                config("window_size", 0),
                                new Processor.PipelineContext(Processor.PipelineSource.VALIDATE_PIPELINE)));
    }

    /** The response a search past the window gets: only the page, as the first stage ranked it. */
    private static SearchResponse pageOfPassages(int from) {
        return responseOf(Arrays.copyOfRange(responseOfPassages().getHits().getHits(), from, from + 1));
    }

    /** The query text the request processor gives the rescore of a match query sent with these exts. */
    private static String queryTextWith(SearchRequestProcessor processor, SearchExtBuilder... exts) throws Exception {
        SearchRequest request = new SearchRequest()
                .source(new SearchSourceBuilder()
                        .query(QueryBuilders.matchQuery("passage", QUERY))
                        .ext(List.of(exts)));
        return ((CrossEncoderRescorerBuilder)
                        processor.processRequest(request).source().rescores().get(0))
                .queryText();
    }

    /** neural-search's {@code rerank} search ext as another plugin sees it: a name and a JSON form. */
    private static final class NeuralSearchRerankExt extends SearchExtBuilder {

        private final String queryText;

        NeuralSearchRerankExt(String queryText) {
            this.queryText = queryText;
        }

        @Override
        public String getWriteableName() {
            return "rerank";
        }

        @Override
        public void writeTo(StreamOutput out) {
            throw new UnsupportedOperationException("never sent");
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            return builder.startObject("query_context")
                    .field("query_text", queryText)
                    .endObject();
        }

        @Override
        public int hashCode() {
            return queryText.hashCode();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof NeuralSearchRerankExt ext && ext.queryText.equals(queryText);
        }
    }
}
