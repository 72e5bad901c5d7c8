/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.LongDocuments;
import org.crossencoder.opensearch.engine.TestModels;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * {@code chunks} on a real node, on every path: a document of 15 chunks whose 12th (index 11) answers the claim ranks
 * first read chunk by chunk and not read joined (trained model); the best chunk, explain per chunk, an ensemble with
 * windows, the chunks a nested first stage's inner hits matched, and the 400s (generated model, in any clone).
 */
public class ChunksIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "chunks-claims";
    private static final int ANSWER_CHUNK = 11;
    private static final List<String> CHUNKS = new ArrayList<>();
    /**
     * On the topic without answering the claim: the trained model ranks it above the chunked document read joined (its
     * first 512 tokens hold every topical sentence but not the answer), and below the answer's chunk.
     */
    private static final String RELATED = "Falls are the main cause of hip fractures in older adults, and vitamin D "
            + "levels are often low in this group.";

    static {
        // About the claim's topic without answering it, each long enough that joined they bury the answer past 512.
        for (int i = 0; i < 16; i++) {
            CHUNKS.add(
                    i == ANSWER_CHUNK
                            ? LongDocuments.ANSWER
                            : LongDocuments.TOPICAL.get(i % LongDocuments.TOPICAL.size()) + " "
                                    + LongDocuments.FILLER.repeat(2).trim());
        }
    }

    private static String json(List<String> strings) {
        return strings.stream().map(s -> "\"" + s + "\"").toList().toString();
    }

    /** The same chunks twice: an array of strings, and nested objects holding each chunk's text. */
    private static String document(List<String> chunks) {
        return "{\"passage_chunks\":" + json(chunks) + ",\"chunks\":"
                + chunks.stream().map(c -> "{\"text\":\"" + c + "\"}").toList() + "}";
    }

    @BeforeClass
    public static void setUpIndex() throws Exception {
        Map<String, String> documents = new LinkedHashMap<>();
        documents.put("chunked", document(CHUNKS));
        for (int i = 0; i < LongDocuments.TOPICAL.size(); i++) {
            documents.put("topical-" + i, document(List.of(LongDocuments.TOPICAL.get(i))));
        }
        documents.put("related", document(List.of(RELATED)));
        createIndex(
                INDEX,
                2,
                "{\"passage_chunks\":{\"type\":\"text\"},\"chunks\":{\"type\":\"nested\",\"properties\":"
                        + "{\"text\":{\"type\":\"text\"}}}}",
                documents);
    }

    private static String query(String claim) {
        return "{\"size\":10,\"query\":{\"match\":{\"passage_chunks\":\"" + claim + "\"}}";
    }

    /** The model's own scores, which these tests check: the default blends them with BM25's. */
    private static RestClient.Response rescored(String model, String query, String read, String extra)
            throws Exception {
        return client.ok(
                "POST",
                "/" + INDEX + "/_search",
                query(query) + extra + ",\"rescore\":{\"window_size\":10,\"cross_encoder\":{" + model
                        + ",\"query_text\":\"" + query + "\",\"score_mode\":\"replace\"," + read + "}}}");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bestChunk(Map<String, Object> hit) {
        Map<String, Object> fields = (Map<String, Object>) hit.get("fields");
        return fields == null ? null : ((List<Map<String, Object>>) fields.get("_cross_encoder_best_chunk")).get(0);
    }

    private static void assertAnswerChunk(String path, Map<String, Object> best) {
        assertEquals(path + ": " + best, ANSWER_CHUNK, ((Number) best.get("chunk")).intValue());
        assertThat(path, (String) best.get("text"), containsString("2,686 adults"));
    }

    @Test
    public void anAnswerInTheTwelfthChunkIsFoundWithChunksOnEveryPathAndMissedJoined() throws Exception {
        TestModels.assumePresent(SCI);
        String claim = LongDocuments.CLAIM;
        String model = "\"model\":\"" + SCI + "\"";

        RestClient.Response joined = rescored(model, claim, "\"fields\":[\"passage_chunks\"]", "");
        assertEquals("joined, the answer is cut away", "related", ids(joined).get(0));

        RestClient.Response chunked = rescored(model, claim, "\"chunks\":{\"field\":\"passage_chunks\"}", "");
        assertEquals("rescore clause", "chunked", ids(chunked).get(0));
        assertAnswerChunk("rescore clause", bestChunk(hits(chunked).get(0)));
        assertEquals(CHUNKS.size(), ((Number) bestChunk(hits(chunked).get(0)).get("of")).intValue());
        float chunkedScore = scoresById(chunked).get("chunked");

        RestClient.Response nested = rescored(model, claim, "\"chunks\":{\"field\":\"chunks.text\"}", "");
        assertEquals("nested objects' text", "chunked", ids(nested).get(0));
        assertAnswerChunk("nested objects' text", bestChunk(hits(nested).get(0)));
        assertEquals(chunkedScore, scoresById(nested).get("chunked"), 1e-4f);

        String chunks = "{\"field\":\"passage_chunks\",\"combine\":\"max\"}";
        putPipeline("chunks-response", "response_processors", "cross_encoder_rerank", model, "", chunks);
        putPipeline(
                "chunks-data-nodes",
                "response_processors",
                "cross_encoder_rerank",
                model,
                ",\"score_on\":\"data_nodes\"",
                chunks);
        putPipeline("chunks-request", "request_processors", "cross_encoder_rescore", model, "", chunks);
        client.ok(
                "PUT",
                "/_search/pipeline/chunks-global-window",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":20}}],\"response_processors\":"
                        + "[{\"cross_encoder_rerank\":{" + model + ",\"score_mode\":\"replace\",\"score_on\":"
                        + "\"data_nodes\",\"chunks\":" + chunks + "}}]}");
        String pipelined = query(claim) + ",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + claim + "\"}}}";
        for (String pipeline :
                List.of("chunks-response", "chunks-data-nodes", "chunks-request", "chunks-global-window")) {
            RestClient.Response response =
                    client.ok("POST", "/" + INDEX + "/_search?search_pipeline=" + pipeline, pipelined);
            assertEquals(pipeline, "chunked", ids(response).get(0));
            assertAnswerChunk(pipeline, bestChunk(hits(response).get(0)));
            assertEquals(
                    pipeline + ": the same score as the rescore clause",
                    chunkedScore,
                    score(hits(response).get(0)),
                    1e-4f);
        }

        String documents = "\"documents\":[" + document(List.of(RELATED)) + "," + document(CHUNKS) + "]";
        RestClient.Response reranked = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{" + model + ",\"query_text\":\"" + claim + "\"," + documents
                        + ",\"chunks\":{\"field\":\"chunks.text\"}}");
        assertEquals("_rerank", 1, ((Number) reranked.path("results.0.index")).intValue());
        assertAnswerChunk("_rerank", reranked.path("results.0.best_chunk"));
        assertEquals(chunkedScore, ((Number) reranked.path("results.0.score")).floatValue(), 1e-4f);
        RestClient.Response rerankedJoined = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{" + model + ",\"query_text\":\"" + claim + "\"," + documents + ",\"fields\":[\"passage_chunks\"]}");
        assertEquals(
                "_rerank joined: " + rerankedJoined.raw(),
                0,
                ((Number) rerankedJoined.path("results.0.index")).intValue());
    }

    private static void putPipeline(
            String name, String kind, String processor, String model, String options, String chunks) throws Exception {
        client.ok(
                "PUT",
                "/_search/pipeline/" + name,
                "{\"" + kind + "\":[{\"" + processor + "\":{" + model + ",\"score_mode\":\"replace\"" + options
                        + ",\"chunks\":" + chunks + "}}]}");
    }

    @Test
    public void explainsEveryChunkWithAnEnsembleReadingLongChunksInWindows() throws Exception {
        String models = "\"models\":[\"" + GENERATED + "\",\"" + GENERATED_CALIBRATED + "\"],\"probability\":true";
        RestClient.Response response = rescored(
                models,
                "how many hip fractures",
                "\"chunks\":{\"field\":\"passage_chunks\",\"combine\":\"mean\",\"max_chunks\":14},"
                        + "\"passage_windows\":{\"length\":16,\"stride\":4}",
                ",\"explain\":true");
        Map<String, Object> hit = hits(response).stream()
                .filter(h -> h.get("_id").equals("chunked"))
                .findFirst()
                .orElseThrow();
        String explanation = hit.get("_explanation").toString();
        assertThat(explanation, containsString("the chunks of [passage_chunks]"));
        assertThat(
                explanation,
                containsString("the [mean] of its [14] chunks' scores (chunks of [passage_chunks], "
                        + "at most [14]; each chunk the [max] of its windows' scores, passage_windows of [16] tokens"));
        assertThat(explanation, containsString("chunk [13]"));
        assertThat(explanation, not(containsString("chunk [14]")));
        assertEquals(14, ((Number) bestChunk(hit).get("of")).intValue());

        RestClient.Response quiet = rescored(
                models,
                "how many hip fractures",
                "\"chunks\":{\"field\":\"passage_chunks\",\"return_best\":false}",
                "");
        assertThat(quiet.raw(), not(containsString("_cross_encoder_best_chunk")));
    }

    @Test
    public void innerHitsScoreOnlyTheChunksTheNestedFirstStageMatched() throws Exception {
        client.ok(
                "PUT",
                "/_search/pipeline/chunks-inner-hits",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"score_mode\":\"replace\",\"chunks\":{\"field\":\"chunks.text\",\"inner_hits\":"
                        + "\"matched\"}}}]}");
        String nested = "{\"query\":{\"nested\":{\"path\":\"chunks\",\"query\":{\"match\":{\"chunks.text\":\"%s\"}},"
                + "\"inner_hits\":{\"name\":\"matched\",\"size\":20}}},"
                + "\"ext\":{\"cross_encoder\":{\"query_text\":\"vitamin d and hip fractures\"}}}";
        RestClient.Response onlyTheAnswer = client.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=chunks-inner-hits",
                String.format(java.util.Locale.ROOT, nested, "placebo randomized"));
        assertEquals(List.of("chunked"), ids(onlyTheAnswer));
        Map<String, Object> best = bestChunk(hits(onlyTheAnswer).get(0));
        assertAnswerChunk("inner hits", best);
        assertEquals("only the matched chunk was scored", 1, ((Number) best.get("of")).intValue());
        RestClient.Response explained = client.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=chunks-inner-hits",
                String.format(java.util.Locale.ROOT, nested, "placebo randomized")
                        .replaceFirst("\\{", "{\"explain\":true,"));
        assertThat(
                hits(explained).get(0).get("_explanation").toString(), containsString("matched chunk [0], the best"));

        RestClient.Response several = client.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=chunks-inner-hits",
                String.format(java.util.Locale.ROOT, nested, "sunlight skin"));
        Map<String, Object> chunked = hits(several).stream()
                .filter(h -> h.get("_id").equals("chunked"))
                .findFirst()
                .orElseThrow();
        int of = ((Number) bestChunk(chunked).get("of")).intValue();
        long aboutSunlight = CHUNKS.stream().filter(c -> c.contains("sunlight")).count();
        assertEquals("the chunks about sunlight", aboutSunlight, of);
        assertEquals(
                "a chunk is named by its offset in the document",
                0,
                ((Number) bestChunk(chunked).get("chunk")).intValue() % 3);

        assertRefused(
                400,
                "has no inner hits of that name",
                "POST",
                "/" + INDEX + "/_search?search_pipeline=chunks-inner-hits",
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"vitamin d\"}}}");
    }

    @Test
    public void refusesChunkOptionsThatCannotWork() throws Exception {
        RestClient.Response tooMany = client.request(
                "POST",
                "/" + INDEX + "/_search",
                query("vitamin") + ",\"rescore\":{\"window_size\":10,\"cross_encoder\":{\"model\":\"" + GENERATED
                        + "\",\"query_text\":\"vitamin\",\"chunks\":{\"field\":\"passage_chunks\",\"max_chunks\":"
                        + "600}}}}");
        assertEquals(tooMany.raw(), 400, tooMany.status());
        assertThat(
                tooMany.raw(), containsString("read as up to [chunks] [max_chunks] [600] chunks each can make [6000]"));
        client.ok(
                "PUT",
                "/_search/pipeline/chunks-window-too-many",
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":20}}],\"response_processors\":"
                        + "[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED + "\",\"score_on\":\"data_nodes\","
                        + "\"chunks\":{\"field\":\"passage_chunks\",\"max_chunks\":1024}}}]}");
        assertRefused(
                400,
                "the number of hits to rerank [5] read as up to [chunks] [max_chunks] [1024] chunks each can make [5120]",
                "POST",
                "/" + INDEX + "/_search?search_pipeline=chunks-window-too-many",
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"vitamin\"}}}");
        assertRefused(
                400,
                "[chunks] [inner_hits] works only where the hits' inner hits are known",
                "POST",
                "/" + INDEX + "/_search",
                query("vitamin") + ",\"rescore\":{\"cross_encoder\":{\"model\":\"" + GENERATED
                        + "\",\"query_text\":\"vitamin\",\"chunks\":{\"field\":\"chunks.text\",\"inner_hits\":\"m\"}}}}");
        assertRefused(
                400,
                "[score_on] [data_nodes] reads each document on its shard",
                "PUT",
                "/_search/pipeline/chunks-bad",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"score_on\":\"data_nodes\",\"chunks\":"
                        + "{\"field\":\"chunks.text\",\"inner_hits\":\"m\"}}}]}");
        assertRefused(
                400,
                "[chunks] reads [documents]",
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED
                        + "\",\"query_text\":\"q\",\"texts\":[\"a\"],\"chunks\":{\"field\":\"c\"}}");
        RestClient.Response rerankChunks = client.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"q\",\"documents\":[{\"c\":[\"a\",\"b\",\"c\"]}],"
                        + "\"chunks\":{\"field\":\"c\",\"max_chunks\":2}}");
        assertThat(((Number) rerankChunks.path("results.0.best_chunk.of")).intValue(), greaterThan(1));
    }
}
