/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/** A minimal JSON-over-HTTP client for one node; enough to drive the REST API the way a user does. */
public final class RestClient {

    /** One HTTP response, with its JSON body parsed. */
    public record Response(int status, Map<String, Object> body, String raw, List<String> warnings) {
        @SuppressWarnings("unchecked")
        public <T> T path(String dottedPath) {
            Object current = body;
            for (String key : dottedPath.split("\\.")) {
                if (current instanceof Map<?, ?> map) {
                    current = map.get(key);
                } else if (current instanceof List<?> list) {
                    current = list.get(Integer.parseInt(key));
                } else {
                    return null;
                }
            }
            return (T) current;
        }

        /** Each hit's id and score, in order: equal lists mean the same ranking with the same scores. */
        public List<Object> hitIdsAndScores() {
            List<Map<String, Object>> hits = path("hits.hits");
            List<Object> idsAndScores = new ArrayList<>();
            for (Map<String, Object> hit : hits) {
                idsAndScores.add(List.of(hit.get("_id"), hit.get("_score")));
            }
            return idsAndScores;
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String baseUri;

    public RestClient(String address) {
        this.baseUri = "http://" + address;
    }

    public Response request(String method, String path, String jsonBody) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUri + path))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", path.contains("_bulk") ? "application/x-ndjson" : "application/json");
        request.method(
                method,
                jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        return send(request, path);
    }

    private Response send(HttpRequest.Builder request, String path) throws IOException {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling " + path, e);
        }
        String raw = response.body();
        Map<String, Object> body = raw.isBlank() || raw.startsWith("{") == false
                ? Map.of()
                : XContentHelper.convertToMap(JsonXContent.jsonXContent, raw, true);
        return new Response(response.statusCode(), body, raw, response.headers().allValues("Warning"));
    }

    /** Sends raw bytes (e.g. a model chunk) as the body, labelled JSON as ml-commons requires. */
    public Response requestBytes(String method, String path, byte[] body) throws IOException {
        return send(
                HttpRequest.newBuilder(URI.create(baseUri + path))
                        .timeout(Duration.ofMinutes(2))
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(body)),
                path);
    }

    /** Whether the node runs the named plugin (e.g. {@code opensearch-ml}). */
    public boolean hasPlugin(String component) throws IOException {
        return ok("GET", "/_cat/plugins?h=component", null)
                .raw()
                .lines()
                .map(String::strip)
                .anyMatch(component::equals);
    }

    /** Like {@link #request} but fails unless the status is 2xx. */
    public Response ok(String method, String path, String jsonBody) throws IOException {
        Response response = request(method, path, jsonBody);
        if (response.status() / 100 != 2) {
            throw new AssertionError(method + " " + path + " returned " + response.status() + ": " + response.raw());
        }
        return response;
    }
}
