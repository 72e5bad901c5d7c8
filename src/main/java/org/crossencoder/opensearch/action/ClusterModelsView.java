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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.crossencoder.opensearch.mlcommons.MlCommonsModels;
import org.crossencoder.opensearch.registry.ModelInfo;
import org.crossencoder.opensearch.settings.CrossEncoderSettings;
import org.crossencoder.opensearch.tier.RerankingTierRole;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Each model across the nodes that answered: which serve it, from which files, and whether they all agree.
 * A shard reranks with the model of the node that holds it, so a model that is missing on some node, failed
 * there, or has other files or settings there ({@code consistent: false}) would rank one index's shards differently;
 * with a reranking tier, which of its nodes serve the model as the others do ({@code served_by_tier}).
 */
final class ClusterModelsView implements ToXContentFragment {

    private final List<CrossEncoderNodeResponse> nodes;

    ClusterModelsView(List<CrossEncoderNodeResponse> nodes) {
        this.nodes = nodes.stream()
                .sorted(Comparator.comparing(n -> n.getNode().getName()))
                .toList();
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        TreeSet<String> names = new TreeSet<>();
        nodes.forEach(node -> node.models().forEach(model -> names.add(model.name())));
        builder.startObject("models");
        for (String name : names) {
            model(builder, name);
        }
        return builder.endObject();
    }

    private void model(XContentBuilder builder, String name) throws IOException {
        Map<CrossEncoderNodeResponse, ModelInfo> byNode = new HashMap<>();
        Map<String, Integer> fingerprints = new TreeMap<>();
        for (CrossEncoderNodeResponse node : nodes) {
            for (ModelInfo model : node.models()) {
                if (model.name().equals(name)) {
                    byNode.put(node, model);
                    if (model.loaded()) {
                        fingerprints.merge(model.fingerprint(), 1, Integer::sum);
                    }
                }
            }
        }
        // The files most nodes serve are the reference; ties go to the fingerprint that sorts first, so the answer is
        // stable.
        String reference = fingerprints.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse(null);
        List<String> missing = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> differs = new ArrayList<>();
        List<String> tierServing = new ArrayList<>();
        boolean hasTier = false;
        builder.startObject(name);
        builder.startObject("nodes");
        for (CrossEncoderNodeResponse node : nodes) {
            ModelInfo model = byNode.get(node);
            String nodeName = node.getNode().getName();
            builder.startObject(node.getNode().getId()).field("name", nodeName);
            boolean tierNode = RerankingTierRole.isMember(node.getNode());
            if (tierNode) {
                hasTier = true;
                builder.field("reranking_tier", true);
            }
            if (model == null && MlCommonsModels.isMlCommonsModel(name)) {
                // Not a fault: a node reads an ML Commons model the first time a search needs it there.
                builder.field("status", "not_loaded");
            } else if (model == null) {
                missing.add(nodeName);
                builder.field("status", "missing");
            } else if (model.loaded() == false) {
                failed.add(nodeName);
                builder.field("status", "failed");
            } else {
                builder.field("status", "loaded")
                        .field("sha256", model.sha256())
                        .field("tokenizer_sha256", model.tokenizerSha256());
                if (model.mlCommons() != null) {
                    builder.field(
                            "ml_commons_model_content_hash_value",
                            model.mlCommons().contentHash());
                }
                if (model.fingerprint().equals(reference) == false) {
                    differs.add(nodeName);
                } else if (tierNode) {
                    tierServing.add(nodeName);
                }
            }
            builder.endObject();
        }
        builder.endObject();
        boolean consistent = missing.isEmpty() && failed.isEmpty() && differs.isEmpty();
        builder.field("consistent", consistent);
        if (hasTier) {
            // The nodes of the reranking tier that can take this model's work: it goes nowhere else (tier.mode).
            builder.field("served_by_tier", tierServing);
        }
        if (consistent == false) {
            builder.field("missing_on", missing).field("failed_on", failed).field("differs_on", differs);
            builder.field(
                    "fix",
                    MlCommonsModels.isMlCommonsModel(name)
                            ? "the nodes read [" + name + "] from ML Commons again at their next check (every ["
                                    + CrossEncoderSettings.ML_COMMONS_CHECK_INTERVAL.getKey() + "])"
                            : "every node that holds shards searched with ["
                                    + name
                                    + "] needs the same model directory: copy it from a node whose files are right into the models path of "
                                    + Stream.of(missing, failed, differs)
                                            .flatMap(List::stream)
                                            .sorted()
                                            .toList()
                                    + " and reload the models (POST _plugins/cross_encoder/models/_reload)");
        }
        builder.endObject();
    }
}
