/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.GENERATED;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.crossencoder.opensearch.engine.TestModels;
import org.crossencoder.opensearch.eval.NeuralSearchReranker;
import org.junit.AfterClass;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The plugin on a node running the security plugin ({@code scripts/test-security.sh}): the permissions of
 * docs/security.md, each 403 naming the permission it lacks, and what a role with document-level security, field-level
 * security and field masking may see: a hidden document is never scored, returned or counted, hidden or masked text never
 * reaches the model or the response, on the rescore clause, both search processors and the global window (whose
 * data-node action reads the documents as the user), and the score cache answers no user with a score of text they
 * cannot read. Users and roles are made through the security plugin's REST API, as ML Commons' secured tests do. Two
 * nodes with a shard each, so the global window reads documents on the node it runs on and on the other one.
 */
public class SecuredClusterIT {

    private static final String INDEX = "secured";
    private static final String QUERY = "berlin population people city";
    private static final int DOCS = 12;
    /** Words only the hidden field ({@code secret}) and the masked field ({@code masked}) hold. */
    private static final String SECRET = "zebrasecret";

    private static final String MASKED = "maskedword";
    private static final String PASSWORD = "Hn4-kRw9!Zx2-Qe";
    private static final String RERANK = "cluster:admin/cross_encoder/rerank";
    private static final String NODES = "cluster:monitor/cross_encoder/nodes";
    private static final String RELOAD = "cluster:admin/cross_encoder/models/reload";
    private static final String WINDOWS = "{\"length\":12,\"stride\":6,\"max_windows\":8,\"return_best\":true}";

    private static TwoNodeCluster cluster;
    private static RestClient admin;
    /** {@code read} on the index, nothing else. */
    private static RestClient reader;
    /** {@code read} and {@link #RERANK}. */
    private static RestClient reranker;
    /** {@code cluster_monitor}, no index. */
    private static RestClient monitor;
    /** {@code read} with document-level security (public documents), {@code secret} hidden and {@code masked} masked. */
    private static RestClient restricted;

    /** The four ways a search reranks. */
    private enum Way {
        RESCORE_CLAUSE,
        REQUEST_PROCESSOR,
        RESPONSE_PROCESSOR,
        GLOBAL_WINDOW
    }

    @BeforeClass
    public static void startSecuredNode() throws Exception {
        Assume.assumeTrue(
                "SKIPPED: needs nodes running the security plugin (scripts/test-security.sh)",
                OpenSearchNode.isSecured());
        // Two nodes, a shard on each: the global window's scoring request goes to the other node as well as this one.
        // The other node is the reranking tier too, so this node's model work (a shard's rescore, the processors, its
        // share of the global window, _rerank) travels there with the user's text.
        cluster = TwoNodeCluster.start(
                "secured",
                List.of(GENERATED),
                node -> {},
                List.of(GENERATED),
                node -> {},
                "768m",
                Map.of("node.roles", "cluster_manager,data,ingest,remote_cluster_client,cross_encoder"));
        admin = cluster.client();
        admin.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.cache.size\":\"0b\"}}");
        admin.ok(
                "PUT",
                "/" + INDEX,
                "{\"settings\":{\"number_of_shards\":2,\"number_of_replicas\":0,"
                        + "\"index.routing.allocation.total_shards_per_node\":1},\"mappings\":{\"properties\":{"
                        + "\"passage\":{\"type\":\"text\"},\"secret\":{\"type\":\"text\"},"
                        + "\"masked\":{\"type\":\"text\"},\"level\":{\"type\":\"keyword\"}}}}");
        String[] words = {"berlin", "population", "city", "museum", "train", "river", "park", "live", "art"};
        StringBuilder bulk = new StringBuilder();
        for (int i = 0; i < DOCS; i++) {
            StringBuilder passage = new StringBuilder("people in berlin");
            for (int w = 0; w < 3 + i % 5; w++) {
                passage.append(' ').append(words[(i * 7 + w * 3) % words.length]);
            }
            bulk.append("{\"index\":{\"_id\":\"")
                    .append(i)
                    .append("\"}}\n")
                    .append("{\"passage\":\"")
                    .append(passage)
                    .append(" doc ")
                    .append(i)
                    .append("\",\"secret\":\"")
                    .append(SECRET)
                    .append(" population of berlin city ")
                    .append(i)
                    .append("\",\"masked\":\"")
                    .append(MASKED)
                    .append(" people live in the city ")
                    .append(i)
                    .append("\",\"level\":\"")
                    .append(i % 2 == 0 ? "public" : "restricted")
                    .append("\"}\n");
        }
        RestClient.Response indexed = admin.ok("POST", "/" + INDEX + "/_bulk?refresh=true", bulk.toString());
        assertEquals(indexed.raw(), Boolean.FALSE, indexed.path("errors"));
        admin.ok("GET", "/_cluster/health/" + INDEX + "?wait_for_status=green&timeout=120s", null);

        String read = "[{\"index_patterns\":[\"" + INDEX + "*\"],\"allowed_actions\":[\"read\"]}]";
        reader = user("reader", "[]", read);
        reranker = user("reranker", "[\"" + RERANK + "\"]", read);
        monitor = user("monitor", "[\"cluster_monitor\"]", "[]");
        restricted = user(
                "restricted",
                "[]",
                "[{\"index_patterns\":[\"" + INDEX + "*\"],\"allowed_actions\":[\"read\"],"
                        + "\"dls\":\"{\\\"term\\\":{\\\"level\\\":\\\"public\\\"}}\","
                        + "\"fls\":[\"~secret\"],\"masked_fields\":[\"masked\"]}]");
    }

    @AfterClass
    public static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A user of the security plugin's internal database with a role of its own (its name), made as the admin. */
    private static RestClient user(String name, String clusterPermissions, String indexPermissions) throws Exception {
        return user(name, clusterPermissions, indexPermissions, "[]");
    }

    /** As {@link #user(String, String, String)}, with these backend roles (what ML Commons' model groups name). */
    private static RestClient user(String name, String clusterPermissions, String indexPermissions, String backendRoles)
            throws Exception {
        admin.ok(
                "PUT",
                "/_plugins/_security/api/roles/" + name,
                "{\"cluster_permissions\":" + clusterPermissions + ",\"index_permissions\":" + indexPermissions + "}");
        admin.ok(
                "PUT",
                "/_plugins/_security/api/internalusers/" + name,
                "{\"password\":\"" + PASSWORD + "\",\"backend_roles\":" + backendRoles + "}");
        admin.ok("PUT", "/_plugins/_security/api/rolesmapping/" + name, "{\"users\":[\"" + name + "\"]}");
        return admin.as(name, PASSWORD);
    }

    /** A search reranked the given way over {@code fields} (with {@code windows}, or none), as {@code as}. */
    private static RestClient.Response search(RestClient as, Way way, List<String> fields, String windows, String extra)
            throws Exception {
        // The model's score as the hit's: what the model read is what each check compares.
        String options = "\"model\":\"" + GENERATED + "\",\"score_mode\":\"replace\",\"fields\":["
                + fields.stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(",")) + "]"
                + (windows == null ? "" : ",\"passage_windows\":" + windows);
        String query = "\"query\":{\"match\":{\"passage\":\"berlin\"}}";
        String ext = ",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}";
        String path = "/" + INDEX + "/_search";
        String body;
        switch (way) {
            case RESCORE_CLAUSE ->
                body = "{\"size\":" + DOCS + "," + query + ",\"rescore\":{\"window_size\":" + DOCS
                        + ",\"cross_encoder\":{" + options + ",\"query_text\":\"" + QUERY + "\"}}" + extra + "}";
            case REQUEST_PROCESSOR -> {
                path += "?search_pipeline="
                        + pipeline(
                                way,
                                "{\"request_processors\":[{\"cross_encoder_rescore\":{" + options + ",\"window_size\":"
                                        + DOCS + "}}]}");
                body = "{\"size\":" + DOCS + "," + query + ext + extra + "}";
            }
            case RESPONSE_PROCESSOR -> {
                path += "?search_pipeline="
                        + pipeline(way, "{\"response_processors\":[{\"cross_encoder_rerank\":{" + options + "}}]}");
                body = "{\"size\":" + DOCS + "," + query + ext + extra + "}";
            }
            case GLOBAL_WINDOW -> {
                path += "?search_pipeline="
                        + pipeline(
                                way,
                                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":" + DOCS + "}}],"
                                        + "\"response_processors\":[{\"cross_encoder_rerank\":{" + options
                                        + ",\"score_on\":\"data_nodes\"}}]}");
                body = "{\"size\":" + DOCS + "," + query + ext + extra + "}";
            }
            default -> throw new AssertionError(way);
        }
        return as.ok("POST", path, body);
    }

    /** Puts the pipeline (as the admin: users only use pipelines) under a name of its own and returns the name. */
    private static String pipeline(Way way, String definition) throws Exception {
        String name = "secured-" + way.name().toLowerCase(java.util.Locale.ROOT) + "-"
                + Integer.toHexString(definition.hashCode());
        admin.ok("PUT", "/_search/pipeline/" + name, definition);
        return name;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> hits(RestClient.Response response) {
        return (List<Map<String, Object>>) response.path("hits.hits");
    }

    private static List<String> sortedIds(RestClient.Response response) {
        return hits(response).stream()
                .map(hit -> (String) hit.get("_id"))
                .sorted()
                .toList();
    }

    private static Map<String, Float> scoresById(RestClient.Response response) {
        Map<String, Float> scores = new LinkedHashMap<>();
        hits(response).forEach(hit -> scores.put((String) hit.get("_id"), ((Number) hit.get("_score")).floatValue()));
        return scores;
    }

    private static List<String> publicIds() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < DOCS; i += 2) {
            ids.add(String.valueOf(i));
        }
        return ids.stream().sorted().toList();
    }

    /** The pairs the model scored on both nodes, once neither has work running or waiting. */
    @SuppressWarnings("unchecked")
    private static long pairsScored() throws Exception {
        for (int attempt = 0; attempt < 600; attempt++) {
            Map<String, Map<String, Object>> nodes =
                    admin.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
            long pairs = 0;
            boolean idle = true;
            for (Map<String, Object> node : nodes.values()) {
                Map<String, Object> inference = (Map<String, Object>) node.get("inference");
                idle &= ((Number) inference.get("running")).intValue() == 0
                        && ((Number) inference.get("waiting")).intValue() == 0;
                pairs += ((Number) inference.get("pairs_scored")).longValue();
            }
            if (idle) {
                return pairs;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("inference never went idle");
    }

    /** What the model scores each text for the query, through {@code _rerank} as the admin. */
    @SuppressWarnings("unchecked")
    private static List<Float> modelScores(List<String> texts) throws Exception {
        RestClient.Response response = admin.ok(
                "POST",
                "/_plugins/cross_encoder/_rerank",
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY + "\",\"texts\":["
                        + texts.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(",")) + "]}");
        Float[] scores = new Float[texts.size()];
        for (Map<String, Object> result : (List<Map<String, Object>>) response.path("results")) {
            scores[((Number) result.get("index")).intValue()] = ((Number) result.get("score")).floatValue();
        }
        return List.of(scores);
    }

    private static void assertForbidden(RestClient as, String method, String path, String body, String permission)
            throws Exception {
        RestClient.Response response = as.request(method, path, body);
        assertEquals(response.raw(), 403, response.status());
        assertThat("the 403 names the permission", response.raw(), containsString(permission));
    }

    @Test
    public void aRoleWithOnlyReadRerankesEveryWayAsTheAdminDoes() throws Exception {
        for (Way way : Way.values()) {
            RestClient.Response asAdmin = search(admin, way, List.of("passage"), null, "");
            RestClient.Response asReader = search(reader, way, List.of("passage"), null, "");
            assertEquals(way + ": every document", DOCS, hits(asReader).size());
            assertEquals(way.toString(), asAdmin.hitIdsAndScores(), asReader.hitIdsAndScores());
        }
    }

    /**
     * Node b is the reranking tier: node a's model work goes there (a's counters do not move) with only the text the
     * user may read, and ranks as the admin's.
     */
    @Test
    public void theTierScoresTheWorkOfTheOtherNodeWithTheUsersTextOnly() throws Exception {
        pairsScored(); // both nodes idle
        Map<String, Object> aBefore = nodeStats("secured-a");
        Map<String, Object> bBefore = nodeStats("secured-b");
        for (Way way : Way.values()) {
            RestClient.Response response = search(restricted, way, List.of("passage"), null, "");
            assertEquals(way + ": the public documents only", publicIds(), sortedIds(response));
        }
        pairsScored();
        Map<String, Object> aAfter = nodeStats("secured-a");
        Map<String, Object> bAfter = nodeStats("secured-b");
        assertEquals(Boolean.TRUE, path(bAfter, "tier.member"));
        assertEquals(count(aBefore, "inference.pairs_scored"), count(aAfter, "inference.pairs_scored"));
        long sent = count(aAfter, "tier.sent.secured-b.passages") - count(aBefore, "tier.sent.secured-b.passages");
        long served = count(bAfter, "tier.served.passages") - count(bBefore, "tier.served.passages");
        assertEquals(sent, served);
        assertThat(sent, greaterThan(0L));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> nodeStats(String name) throws Exception {
        Map<String, Map<String, Object>> nodes =
                admin.ok("GET", "/_plugins/cross_encoder/stats", null).path("nodes");
        return nodes.values().stream()
                .filter(node -> name.equals(node.get("name")))
                .findFirst()
                .orElseThrow();
    }

    private static long count(Map<String, Object> node, String dottedPath) {
        Object value = path(node, dottedPath);
        return value == null ? 0 : ((Number) value).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Object path(Map<String, Object> node, String dottedPath) {
        Object current = node;
        for (String key : dottedPath.split("\\.")) {
            current = current == null ? null : ((Map<String, Object>) current).get(key);
        }
        return current;
    }

    @Test
    public void rerankNeedsExactlyItsOwnPermission() throws Exception {
        String body = "{\"model\":\"" + GENERATED + "\",\"query_text\":\"" + QUERY + "\",\"texts\":[\"berlin\"]}";
        assertForbidden(reader, "POST", "/_plugins/cross_encoder/_rerank", body, RERANK);
        assertForbidden(monitor, "POST", "/_plugins/cross_encoder/_rerank", body, RERANK);
        reranker.ok("POST", "/_plugins/cross_encoder/_rerank", body);
        // ... and it grants nothing else of the plugin's.
        assertForbidden(reranker, "GET", "/_plugins/cross_encoder/models", null, NODES);
        assertForbidden(reranker, "POST", "/_plugins/cross_encoder/models/_reload", null, RELOAD);
    }

    @Test
    public void modelsAndStatsNeedClusterMonitor() throws Exception {
        for (String path : List.of("/_plugins/cross_encoder/models", "/_plugins/cross_encoder/stats")) {
            assertForbidden(reader, "GET", path, null, NODES);
            RestClient.Response response = monitor.ok("GET", path, null);
            assertEquals(response.raw(), 2, ((Map<?, ?>) response.path("nodes")).size());
        }
        assertForbidden(monitor, "POST", "/" + INDEX + "/_search", "{}", "indices:data/read/search");
    }

    @Test
    public void reloadNeedsAnAdministrator() throws Exception {
        assertForbidden(monitor, "POST", "/_plugins/cross_encoder/models/_reload", null, RELOAD);
        assertForbidden(reader, "POST", "/_plugins/cross_encoder/models/_reload", null, RELOAD);
        admin.ok("POST", "/_plugins/cross_encoder/models/_reload", null);
    }

    @Test
    public void aDocumentTheRoleCannotSeeIsNeverScoredReturnedOrCounted() throws Exception {
        for (Way way : Way.values()) {
            long before = pairsScored();
            RestClient.Response response = search(restricted, way, List.of("passage"), null, "");
            assertEquals(way + ": the public documents only", publicIds(), sortedIds(response));
            assertEquals(
                    way + ": counted", publicIds().size(), ((Number) response.path("hits.total.value")).intValue());
            assertEquals(way + ": scored", publicIds().size(), pairsScored() - before);
            RestClient.Response all = search(admin, way, List.of("passage"), null, "");
            assertEquals(DOCS, hits(all).size());
            Map<String, Float> adminScores = scoresById(all);
            scoresById(response)
                    .forEach((id, score) -> assertEquals(way + ": " + id, adminScores.get(id), score, 1e-5f));
        }
    }

    @Test
    public void theGlobalWindowsPagesAndMinScoreHoldOnlyVisibleDocuments() throws Exception {
        RestClient.Response window = search(restricted, Way.GLOBAL_WINDOW, List.of("passage"), null, "");
        List<Object> ranked = window.hitIdsAndScores();
        RestClient.Response page = search(restricted, Way.GLOBAL_WINDOW, List.of("passage"), null, ",\"from\":2");
        assertEquals(ranked.subList(2, ranked.size()), page.hitIdsAndScores());

        // The threshold lets the user's three best through; documents they cannot see never take a place.
        float threshold = ((Number) hits(window).get(2).get("_score")).floatValue();
        String name = pipeline(
                Way.GLOBAL_WINDOW,
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":" + DOCS + "}}],"
                        + "\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"score_mode\":\"replace\",\"fields\":[\"passage\"],\"score_on\":\"data_nodes\",\"min_score\":"
                        + threshold
                        + "}}]}");
        RestClient.Response above = restricted.ok(
                "POST",
                "/" + INDEX + "/_search?search_pipeline=" + name,
                "{\"size\":2,\"query\":{\"match\":{\"passage\":\"berlin\"}},"
                        + "\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}}");
        assertEquals(ranked.subList(0, 2), above.hitIdsAndScores());
    }

    @Test
    public void aHiddenFieldScoresAsIfAbsentEveryWay() throws Exception {
        Map<String, Float> withoutIt = scoresById(search(admin, Way.RESCORE_CLAUSE, List.of("passage"), null, ""));
        Map<String, Float> withIt =
                scoresById(search(admin, Way.RESCORE_CLAUSE, List.of("passage", "secret"), null, ""));
        assertNotEquals("the hidden text changes the admin's scores", withoutIt, withIt);
        for (Way way : Way.values()) {
            RestClient.Response response = search(restricted, way, List.of("passage", "secret"), null, "");
            assertEquals(way.toString(), publicIds(), sortedIds(response));
            scoresById(response).forEach((id, score) -> assertEquals(way + ": " + id, withoutIt.get(id), score, 1e-5f));
            assertThat(way.toString(), response.raw(), not(containsString(SECRET)));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    public void aMaskedFieldIsScoredAsTheRoleSeesIt() throws Exception {
        for (Way way : Way.values()) {
            RestClient.Response response = search(restricted, way, List.of("passage", "masked"), null, "");
            assertThat(way.toString(), response.raw(), not(containsString(MASKED)));
            List<String> texts = new ArrayList<>();
            for (Map<String, Object> hit : hits(response)) {
                Map<String, Object> source = (Map<String, Object>) hit.get("_source");
                assertNotEquals("masked", null, source.get("masked"));
                texts.add(source.get("passage") + " " + source.get("masked"));
            }
            List<Float> expected = modelScores(texts);
            List<Map<String, Object>> hits = hits(response);
            for (int i = 0; i < hits.size(); i++) {
                assertEquals(
                        way + ": " + hits.get(i).get("_id"),
                        expected.get(i),
                        ((Number) hits.get(i).get("_score")).floatValue(),
                        1e-5f);
            }
        }
    }

    @Test
    public void hiddenAndMaskedTextIsInNoBestWindowAndNoExplanation() throws Exception {
        for (Way way : Way.values()) {
            RestClient.Response response =
                    search(restricted, way, List.of("secret", "masked", "passage"), WINDOWS, ",\"explain\":true");
            assertEquals(way.toString(), publicIds(), sortedIds(response));
            assertThat(way.toString(), response.raw(), containsString("_cross_encoder_best_window"));
            assertThat(way.toString(), response.raw(), not(containsString(SECRET)));
            assertThat(way.toString(), response.raw(), not(containsString(MASKED)));
        }
    }

    @Test
    public void theScoreCacheNeverAnswersWithTheScoreOfTextTheUserCannotRead() throws Exception {
        Map<String, Float> withoutSecret = scoresById(search(admin, Way.RESCORE_CLAUSE, List.of("passage"), null, ""));
        try {
            for (Way way : Way.values()) {
                // An empty cache for each way (a resize empties it); the admin's scores of the full texts go in first
                // ...
                admin.ok(
                        "PUT",
                        "/_cluster/settings",
                        "{\"persistent\":{\"plugins.cross_encoder.cache.size\":\"" + (way.ordinal() + 1) + "mb\"}}");
                Map<String, Float> full = scoresById(search(admin, way, List.of("passage", "secret"), null, ""));
                long before = pairsScored();
                Map<String, Float> seen = scoresById(search(restricted, way, List.of("passage", "secret"), null, ""));
                // ... the restricted user's text is another key: the model scores it, as if the field were absent.
                assertEquals(way + ": not answered from the admin's entries", seen.size(), pairsScored() - before);
                seen.forEach((id, score) -> {
                    assertEquals(way + ": " + id, withoutSecret.get(id), score, 1e-5f);
                    assertNotEquals(way + ": " + id, full.get(id), score);
                });
                before = pairsScored();
                assertEquals(seen, scoresById(search(restricted, way, List.of("passage", "secret"), null, "")));
                assertEquals(way + ": the user's own text is cached", 0, pairsScored() - before);
            }
        } finally {
            admin.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.cache.size\":\"0b\"}}");
        }
    }

    /**
     * An ML Commons model in a model group restricted to a backend role: a user without that role, or without ML Commons'
     * get-model permission, gets a 403 naming the model and the permission on every way in; a user with both gets past
     * the check to ML Commons' state of the model. The model is registered but not deployed: deploying needs the
     * PyTorch that ML Commons 2.19.1 downloads (see docs/security.md), so "not deployed" (400) is what access yields here.
     */
    @Test
    public void anMlCommonsModelNeedsAccessToItsModelGroup() throws Exception {
        Assume.assumeTrue("SKIPPED: needs ML Commons on the node", admin.hasPlugin("opensearch-ml"));
        admin.ok("PUT", "/_cluster/settings", """
                {"persistent":{"plugins.ml_commons.only_run_on_ml_node":false,
                               "plugins.ml_commons.allow_registering_model_via_local_file":true,
                               "plugins.ml_commons.model_access_control_enabled":true}}""");
        String getModel = "cluster:admin/opensearch/ml/models/get";
        String read = "[{\"index_patterns\":[\"" + INDEX + "*\"],\"allowed_actions\":[\"read\"]}]";
        String mlReranking = "[\"" + RERANK + "\",\"" + getModel + "\"]";
        RestClient owner = user("ml-owner", "[\"cluster:admin/opensearch/ml/*\"]", read, "[\"ml_team\"]");
        RestClient team = user("ml-team", mlReranking, read, "[\"ml_team\"]");
        RestClient outsider = user("ml-outsider", mlReranking, read, "[]");
        String group = owner.ok(
                        "POST",
                        "/_plugins/_ml/model_groups/_register",
                        "{\"name\":\"secured-rerankers\",\"access_mode\":\"restricted\",\"backend_roles\":[\"ml_team\"]}")
                .path("model_group_id");
        String modelId = NeuralSearchReranker.register(owner, TestModels.dir(GENERATED), group);
        String name = "ml:" + modelId;

        String rerank = "{\"model\":\"" + name + "\",\"query_text\":\"" + QUERY + "\",\"texts\":[\"berlin\"]}";
        String query = "\"size\":5,\"query\":{\"match\":{\"passage\":\"berlin\"}}";
        String rescore = "{" + query + ",\"rescore\":{\"window_size\":5,\"cross_encoder\":{\"model\":\"" + name
                + "\",\"query_text\":\"" + QUERY + "\",\"fields\":[\"passage\"]}}}";
        String processed = "/" + INDEX + "/_search?search_pipeline="
                + pipeline(
                        Way.RESPONSE_PROCESSOR,
                        "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + name
                                + "\",\"fields\":[\"passage\"]}}]}");
        String ext = "{" + query + ",\"ext\":{\"cross_encoder\":{\"query_text\":\"" + QUERY + "\"}}}";
        // reranker has no ML Commons permission; ml-outsider has it but not the model group's backend role.
        for (RestClient denied : List.of(reranker, outsider)) {
            for (RestClient.Response response : List.of(
                    denied.request("POST", "/_plugins/cross_encoder/_rerank", rerank),
                    denied.request("POST", "/" + INDEX + "/_search", rescore),
                    denied.request("POST", processed, ext))) {
                assertEquals(response.raw(), 403, response.status());
                assertThat(response.raw(), containsString("no access to ML Commons model [" + name + "]"));
                assertThat(response.raw(), containsString(getModel));
            }
        }
        for (RestClient allowed : List.of(team, admin)) {
            for (RestClient.Response response : List.of(
                    allowed.request("POST", "/_plugins/cross_encoder/_rerank", rerank),
                    allowed.request("POST", "/" + INDEX + "/_search", rescore),
                    allowed.request("POST", processed, ext))) {
                assertEquals(response.raw(), 400, response.status());
                assertThat(response.raw(), containsString("not deployed"));
            }
        }
    }
}
