/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/** The {@code cross_encoder_rescore} and {@code cross_encoder_rerank} search processors, over BM25 and kNN first stages. */
public class SearchPipelineIT extends CrossEncoderIntegTestCase {

    private static final String QUERY = "how many people live in berlin";
    private static CrossEncoderModel reference;

    @BeforeClass
    public static void setUpIndex() throws Exception {
        reference = CrossEncoderModel.load(
                GENERATED, TestModels.dir(GENERATED), new CrossEncoderModel.InferenceOptions(4, 1));
        Map<String, String> docs = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            String passage = (i % 2 == 0 ? "people live in berlin " : "museums of new york ") + "fact " + i + " "
                    + "people ".repeat(i % 4);
            docs.put(
                    "p" + i,
                    "{\"title\":\"title " + i + "\",\"passage\":\"" + passage.trim() + "\",\"vector\":[" + i + ",1,"
                            + (12 - i) + "]}");
        }
        createIndex(
                "pipelined",
                2,
                "{\"title\":{\"type\":\"text\"},\"passage\":{\"type\":\"text\"},"
                        + "\"vector\":{\"type\":\"knn_vector\",\"dimension\":3,\"method\":{\"name\":\"hnsw\",\"engine\":\"lucene\",\"space_type\":\"l2\"}}}",
                docs);
    }

    @AfterClass
    public static void closeReference() {
        if (reference != null) {
            reference.close();
        }
    }

    private static float expected(Map<String, Object> hit) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> source = (Map<String, Object>) hit.get("_source");
        return reference.score(QUERY, List.of(source.get("title") + " " + source.get("passage")))[0];
    }

    private static void putPipeline(String name, String body) throws Exception {
        client.ok("PUT", "/_search/pipeline/" + name, body);
    }

    private static RestClient.Response search(String pipeline, String body) throws Exception {
        return client.request("POST", "/pipelined/_search?search_pipeline=" + pipeline, body);
    }

    /** The model's own scores and order, as pipelines with {@code "score_mode": "replace"} give them. */
    private static void assertRerankedByTheModel(RestClient.Response response, int expectedHits) throws Exception {
        assertEquals(response.raw(), 200, response.status());
        List<Map<String, Object>> hits = hits(response);
        assertEquals(expectedHits, hits.size());
        float previous = Float.POSITIVE_INFINITY;
        for (Map<String, Object> hit : hits) {
            assertEquals(expected(hit), score(hit), 1e-5f);
            assertThat(score(hit), lessThan(previous + 1e-6f));
            previous = score(hit);
        }
    }

    @Test
    public void requestProcessorTakesTheQueryTextFromTheQueryOrFromExt() throws Exception {
        putPipeline("rescore-bm25", String.format(Locale.ROOT, """
            {"request_processors":[{"cross_encoder_rescore":{"model":"%s","score_mode":"replace","fields":["title","passage"],"window_size":50,
              "query_text_path":"match.passage.query"}}]}""", GENERATED));
        assertRerankedByTheModel(
                search("rescore-bm25", "{\"size\":20,\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}}}"), 12);
        // ext wins over the path.
        assertRerankedByTheModel(
                search(
                        "rescore-bm25",
                        "{\"size\":20,\"query\":{\"match\":{\"passage\":\"people\"}},\"ext\":{\"cross_encoder\":{\"query_text\":\""
                                + QUERY + "\"}}}"),
                12);
        RestClient.Response missing = search("rescore-bm25", "{\"query\":{\"match_all\":{}}}");
        assertEquals(400, missing.status());
        assertThat(missing.raw(), containsString("[cross_encoder_rescore] found no query text"));
    }

    @Test
    public void requestProcessorCanPassRequestsWithoutQueryTextThrough() throws Exception {
        putPipeline("rescore-lenient", String.format(Locale.ROOT, """
            {"request_processors":[{"cross_encoder_rescore":{"model":"%s","fields":["passage"],"ignore_missing_query_text":true}}]}""", GENERATED));
        RestClient.Response plain =
                client.ok("POST", "/pipelined/_search", "{\"query\":{\"match\":{\"passage\":\"people\"}}}");
        RestClient.Response through = search("rescore-lenient", "{\"query\":{\"match\":{\"passage\":\"people\"}}}");
        assertEquals(200, through.status());
        assertEquals(ids(plain), ids(through));
    }

    @Test
    public void requestProcessorPagesConsistently() throws Exception {
        putPipeline("rescore-paging", String.format(Locale.ROOT, """
            {"request_processors":[{"cross_encoder_rescore":{"model":"%s","fields":["title","passage"],"window_size":20,
              "query_text_path":"match.passage.query"}}]}""", GENERATED));
        String query = "\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}}";
        List<String> all = ids(search("rescore-paging", "{\"size\":12," + query + "}"));
        List<String> page2 = ids(search("rescore-paging", "{\"from\":4,\"size\":4," + query + "}"));
        assertEquals(all.subList(4, 8), page2);
    }

    @Test
    public void pipelinesCanBeUpdatedAndDeleted() throws Exception {
        putPipeline("lifecycle", String.format(Locale.ROOT, """
            {"request_processors":[{"cross_encoder_rescore":{"model":"%s","fields":["passage"],"query_text_path":"match.passage.query"}}]}""", GENERATED));
        assertEquals(
                200, client.request("GET", "/_search/pipeline/lifecycle", null).status());
        putPipeline("lifecycle", String.format(Locale.ROOT, """
            {"request_processors":[{"cross_encoder_rescore":{"model":"%s","score_mode":"replace","fields":["title","passage"],"query_text_path":"match.passage.query"}}]}""", GENERATED));
        assertRerankedByTheModel(
                search("lifecycle", "{\"size\":20,\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}}}"), 12);
        client.ok("DELETE", "/_search/pipeline/lifecycle", null);
        assertEquals(
                404, client.request("GET", "/_search/pipeline/lifecycle", null).status());
        RestClient.Response gone = search("lifecycle", "{\"query\":{\"match_all\":{}}}");
        assertEquals(400, gone.status());
        assertThat(gone.raw(), containsString("Pipeline lifecycle is not defined"));
    }

    @Test
    public void badProcessorConfigurationsAreRejectedWhenThePipelineIsCreated() throws Exception {
        Map<String, String> cases = new HashMap<>();
        cases.put(
                "{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED + "\",\"fields\":[]}}",
                "[fields] must name at least one text field");
        cases.put(
                "{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"a\"],\"score_mode\":\"sum\"}}",
                "[score_mode] must be one of");
        cases.put(
                "{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED + "\",\"fields\":[\"a\"],\"window_size\":0}}",
                "[window_size] must be at least 1");
        cases.put(
                "{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"a\"],\"query_weight\":\"heavy\"}}",
                "[query_weight] must be a finite number");
        cases.put(
                "{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED + "\",\"fields\":[\"a\"],\"colour\":\"red\"}}",
                "colour");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            RestClient.Response response =
                    client.request("PUT", "/_search/pipeline/bad", "{\"request_processors\":[" + c.getKey() + "]}");
            assertEquals(c.getKey() + " -> " + response.raw(), 400, response.status());
            assertThat(response.raw(), containsString(c.getValue()));
        }
        RestClient.Response badResponseProcessor = client.request(
                "PUT",
                "/_search/pipeline/bad",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"a\"],\"window_size\":-1}}]}");
        assertEquals(400, badResponseProcessor.status());
        assertThat(badResponseProcessor.raw(), containsString("[window_size] must be at least 1"));
        for (String type : List.of(
                "request_processors\":[{\"cross_encoder_rescore", "response_processors\":[{\"cross_encoder_rerank")) {
            RestClient.Response unserved = client.request(
                    "PUT", "/_search/pipeline/bad", "{\"" + type + "\":{\"model\":\"not-here\",\"fields\":[\"a\"]}}]}");
            assertEquals(unserved.raw(), 400, unserved.status());
            assertThat(
                    unserved.raw(),
                    containsString("unknown cross-encoder model [not-here] on node [shared-node]; loaded models: ["));
            assertThat(unserved.raw(), containsString(GENERATED));
        }
    }

    @Test
    public void responseProcessorReranksMergedHitsAndKeepsTheFirstStageScore() throws Exception {
        putPipeline("rerank-global", String.format(Locale.ROOT, """
            {"response_processors":[{"cross_encoder_rerank":{"model":"%s","score_mode":"replace","fields":["title","passage"],
              "keep_first_stage_score_as":"first_stage_score","query_text_path":"match.passage.query"}}]}""", GENERATED));
        String query = "{\"size\":12,\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}}}";
        Map<String, Float> bm25 = scoresById(client.ok("POST", "/pipelined/_search", query));
        RestClient.Response response = search("rerank-global", query);
        assertRerankedByTheModel(response, 12);
        for (Map<String, Object> hit : hits(response)) {
            @SuppressWarnings("unchecked")
            List<Number> kept = (List<Number>) ((Map<String, Object>) hit.get("fields")).get("first_stage_score");
            assertEquals(bm25.get((String) hit.get("_id")), kept.get(0).floatValue(), 1e-6f);
        }
        assertEquals(score(hits(response).get(0)), ((Number) response.path("hits.max_score")).floatValue(), 1e-6f);
    }

    @Test
    public void responseProcessorWindowLeavesTheRestInFirstStageOrderBelow() throws Exception {
        putPipeline("rerank-window", String.format(Locale.ROOT, """
            {"response_processors":[{"cross_encoder_rerank":{"model":"%s","fields":["title","passage"],"window_size":3,
              "query_text_path":"match.passage.query"}}]}""", GENERATED));
        String query = "{\"size\":8,\"query\":{\"match\":{\"passage\":\"" + QUERY + "\"}}}";
        List<String> firstStage = ids(client.ok("POST", "/pipelined/_search", query));
        RestClient.Response response = search("rerank-window", query);
        List<String> reranked = ids(response);
        assertEquals(
                firstStage.subList(0, 3).stream().sorted().toList(),
                reranked.subList(0, 3).stream().sorted().toList());
        assertEquals(firstStage.subList(3, 8), reranked.subList(3, 8));
        float lowestReranked = Math.min(
                score(hits(response).get(0)),
                Math.min(score(hits(response).get(1)), score(hits(response).get(2))));
        assertThat(score(hits(response).get(3)), lessThan(lowestReranked));
    }

    @Test
    public void responseProcessorRefusesWhatItCannotRankCorrectly() throws Exception {
        putPipeline("rerank-strict", String.format(Locale.ROOT, """
            {"response_processors":[{"cross_encoder_rerank":{"model":"%s","fields":["passage"]}}]}""", GENERATED));
        String ext = ",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}";
        RestClient.Response paged = search("rerank-strict", "{\"from\":2,\"query\":{\"match_all\":{}}" + ext + "}");
        assertEquals(400, paged.status());
        assertThat(paged.raw(), containsString("cannot order pages it does not see"));
        RestClient.Response filtered =
                search("rerank-strict", "{\"_source\":[\"title\"],\"query\":{\"match_all\":{}}" + ext + "}");
        assertEquals(400, filtered.status());
        assertThat(
                filtered.raw(), containsString("reads [passage] from each hit's _source, which this request filters"));
        RestClient.Response unknownModel = client.request(
                "PUT",
                "/_search/pipeline/rerank-unknown",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"nope\",\"fields\":[\"passage\"]}}]}");
        assertEquals(
                "a model this node does not serve is refused when the pipeline is stored", 400, unknownModel.status());
        assertThat(unknownModel.raw(), containsString("unknown cross-encoder model [nope] on node [shared-node]"));
    }

    @Test
    public void bothProcessorsRerankAKnnFirstStage() throws Exception {
        String knn =
                "\"size\":12,\"query\":{\"knn\":{\"vector\":{\"vector\":[3,1,9],\"k\":12}}},\"ext\":{\"cross_encoder\":{\"query_text\":\""
                        + QUERY + "\"}}";
        RestClient.Response firstStage = client.ok(
                "POST",
                "/pipelined/_search",
                "{" + knn.replace(",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}", "") + "}");
        assertEquals(12, hits(firstStage).size());

        putPipeline("knn-rerank", String.format(Locale.ROOT, """
            {"response_processors":[{"cross_encoder_rerank":{"model":"%s","score_mode":"replace","fields":["title","passage"]}}]}""", GENERATED));
        assertRerankedByTheModel(search("knn-rerank", "{" + knn + "}"), 12);

        putPipeline("knn-rescore", String.format(Locale.ROOT, """
            {"request_processors":[{"cross_encoder_rescore":{"model":"%s","score_mode":"replace","fields":["title","passage"],"window_size":20}}]}""", GENERATED));
        assertRerankedByTheModel(search("knn-rescore", "{" + knn + "}"), 12);
    }

    @Test
    public void responseProcessorReranksAHybridQueryAfterNormalization() throws Exception {
        putPipeline("hybrid-rerank", String.format(Locale.ROOT, """
            {"phase_results_processors":[{"normalization-processor":{"normalization":{"technique":"min_max"},
               "combination":{"technique":"arithmetic_mean"}}}],
             "response_processors":[{"cross_encoder_rerank":{"model":"%s","score_mode":"replace","fields":["title","passage"],
               "keep_first_stage_score_as":"hybrid_score"}}]}""", GENERATED));
        String hybrid = "{\"size\":12,\"query\":{\"hybrid\":{\"queries\":[{\"match\":{\"passage\":\"people\"}},"
                + "{\"knn\":{\"vector\":{\"vector\":[3,1,9],\"k\":12}}}]}},\"ext\":{\"cross_encoder\":{\"query_text\":\""
                + QUERY + "\"}}}";
        RestClient.Response response = search("hybrid-rerank", hybrid);
        assertRerankedByTheModel(response, 12);
        for (Map<String, Object> hit : hits(response)) {
            @SuppressWarnings("unchecked")
            float hybridScore = ((List<Number>) ((Map<String, Object>) hit.get("fields")).get("hybrid_score"))
                    .get(0)
                    .floatValue();
            assertThat("normalized hybrid scores lie in [0, 1]", hybridScore, lessThan(1.0001f));
        }
    }

    @Test
    public void theRescoreClauseRefusesAHybridQueryAndNamesWhatToUseInstead() throws Exception {
        putPipeline("hybrid-only", """
            {"phase_results_processors":[{"normalization-processor":{"normalization":{"technique":"min_max"},
               "combination":{"technique":"arithmetic_mean"}}}]}""");
        String hybridWithRescore =
                "{\"size\":12,\"query\":{\"hybrid\":{\"queries\":[{\"match\":{\"passage\":\"people\"}},"
                        + "{\"knn\":{\"vector\":{\"vector\":[3,1,9],\"k\":12}}}]}},\"rescore\":{\"window_size\":20,"
                        + "\"cross_encoder\":{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY
                        + "\",\"fields\":[\"passage\"]}}}";
        RestClient.Response response = search("hybrid-only", hybridWithRescore);
        assertEquals(response.raw(), 400, response.status());
        assertThat(response.raw(), containsString("rescore cannot rerank a [hybrid] query"));
        assertThat(response.raw(), containsString("[cross_encoder_rerank] response processor"));
    }
}
