/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.mlcommons;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.core.rest.RestStatus;

/** What ML Commons records about a registered model, as its get-model API shows it. */
public record MlCommonsModel(
        String id, String name, String state, String format, String function, String contentHash, int totalChunks) {

    /** ML Commons' states of a model that is deployed on some or all of its nodes (the older names included). */
    private static final Set<String> DEPLOYED = Set.of("DEPLOYED", "PARTIALLY_DEPLOYED", "LOADED", "PARTIALLY_LOADED");

    static MlCommonsModel parse(String id, Map<String, Object> source) {
        Object chunks = source.get("total_chunks");
        return new MlCommonsModel(
                id,
                text(source, "name"),
                text(source, "model_state"),
                text(source, "model_format"),
                source.containsKey("function_name") ? text(source, "function_name") : text(source, "algorithm"),
                text(source, "model_content_hash_value"),
                chunks instanceof Number number ? number.intValue() : 0);
    }

    private static String text(Map<String, Object> source, String field) {
        Object value = source.get(field);
        return value == null ? null : value.toString();
    }

    /**
     * Refuses, with a 400 naming the model, what the cross-encoder cannot serve: a model of another kind, one
     * without uploaded content (a remote connector), or one that is not deployed in ML Commons, whose deploy state
     * is the switch users already turn.
     */
    void checkServable() {
        if ("TEXT_SIMILARITY".equals(function) == false || "ONNX".equals(format) == false) {
            throw refused(
                    "is a [%s] model in [%s] format: the cross-encoder serves TEXT_SIMILARITY models in ONNX format",
                    function, format);
        }
        if (contentHash == null || totalChunks < 1) {
            throw refused("has no uploaded model file (model_content_hash_value, total_chunks) to serve");
        }
        if (DEPLOYED.contains(state) == false) {
            throw refused(
                    "is [%s] in ML Commons, not deployed: deploy it there (POST _plugins/_ml/models/%s/_deploy) to serve it",
                    state, id);
        }
    }

    private OpenSearchStatusException refused(String problem, Object... args) {
        return new OpenSearchStatusException(
                "ML Commons model [" + id + "] " + String.format(Locale.ROOT, problem, args), RestStatus.BAD_REQUEST);
    }
}
