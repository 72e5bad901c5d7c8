/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.crossencoder.opensearch.integ.CrossEncoderIntegTestCase.testModelsDir;

import java.io.Closeable;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Two OpenSearch processes on 127.0.0.1 forming one cluster, each with the plugin and models of its own. */
public final class TwoNodeCluster implements Closeable {

    private final OpenSearchNode a;
    private final OpenSearchNode b;

    private TwoNodeCluster(OpenSearchNode a, OpenSearchNode b) {
        this.a = a;
        this.b = b;
    }

    /** Nodes {@code <prefix>-a} (the cluster manager) and {@code <prefix>-b}, each given its test models and preparation. */
    public static TwoNodeCluster start(
            String prefix,
            List<String> modelsOfA,
            OpenSearchNode.Preparation prepareA,
            List<String> modelsOfB,
            OpenSearchNode.Preparation prepareB)
            throws IOException, InterruptedException {
        return start(prefix, modelsOfA, prepareA, modelsOfB, prepareB, "768m");
    }

    /** As {@link #start(String, List, OpenSearchNode.Preparation, List, OpenSearchNode.Preparation)}, with this heap. */
    public static TwoNodeCluster start(
            String prefix,
            List<String> modelsOfA,
            OpenSearchNode.Preparation prepareA,
            List<String> modelsOfB,
            OpenSearchNode.Preparation prepareB,
            String heap)
            throws IOException, InterruptedException {
        return start(prefix, modelsOfA, prepareA, modelsOfB, prepareB, heap, Map.of());
    }

    /** As {@link #start(String, List, OpenSearchNode.Preparation, List, OpenSearchNode.Preparation, String)}, b with these settings too. */
    public static TwoNodeCluster start(
            String prefix,
            List<String> modelsOfA,
            OpenSearchNode.Preparation prepareA,
            List<String> modelsOfB,
            OpenSearchNode.Preparation prepareB,
            String heap,
            Map<String, String> settingsOfB)
            throws IOException, InterruptedException {
        String clusterName = "cross-encoder-" + prefix;
        OpenSearchNode a = OpenSearchNode.start(
                prefix + "-a",
                testModelsDir(),
                modelsOfA,
                Map.of("cluster.name", clusterName, "cluster.initial_cluster_manager_nodes", prefix + "-a"),
                heap,
                prepareA);
        OpenSearchNode b;
        try {
            b = OpenSearchNode.start(
                    prefix + "-b",
                    testModelsDir(),
                    modelsOfB,
                    withSettings(
                            Map.of("cluster.name", clusterName, "discovery.seed_hosts", a.transportAddress()),
                            settingsOfB),
                    heap,
                    prepareB);
        } catch (IOException | InterruptedException | RuntimeException e) {
            a.close();
            throw e;
        }
        TwoNodeCluster cluster = new TwoNodeCluster(a, b);
        cluster.client().ok("GET", "/_cluster/health?wait_for_nodes=2&timeout=120s", null);
        return cluster;
    }

    private static Map<String, String> withSettings(Map<String, String> settings, Map<String, String> more) {
        Map<String, String> all = new HashMap<>(settings);
        all.putAll(more);
        return all;
    }

    /** Creates an index of two shards, one on each node, with a text field [passage], and indexes the bulk body. */
    void createSpreadIndex(String index, String bulk) throws IOException {
        client().ok("PUT", "/" + index, """
            {"settings":{"number_of_shards":2,"number_of_replicas":0,"index.routing.allocation.total_shards_per_node":1},
             "mappings":{"properties":{"passage":{"type":"text"}}}}""");
        client().ok("POST", "/" + index + "/_bulk?refresh=true", bulk);
        client().ok("GET", "/_cluster/health/" + index + "?wait_for_status=green&timeout=120s", null);
    }

    /** A client of node a. */
    public RestClient client() {
        return a.client();
    }

    OpenSearchNode a() {
        return a;
    }

    OpenSearchNode b() {
        return b;
    }

    @Override
    public void close() {
        b.close();
        a.close();
    }
}
