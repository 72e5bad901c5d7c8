/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/**
 * A minimal JSON-over-HTTP client for one node; enough to drive the REST API the way a user does. A node running the
 * security plugin ({@link #https}) is called over HTTPS with a user's basic-auth credentials.
 */
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

    private final HttpClient http;
    private final String baseUri;
    /** The {@code Authorization} header's value; null to send none. */
    private final String authorization;

    public RestClient(String address) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build(), "http://" + address, null);
    }

    private RestClient(HttpClient http, String baseUri, String authorization) {
        this.http = http;
        this.baseUri = baseUri;
        this.authorization = authorization;
    }

    /**
     * A client of a node serving HTTPS with the security plugin's demo certificates, as {@code user}. It trusts any
     * certificate: the node is on the loopback interface and its demo certificate names no loopback host.
     */
    public static RestClient https(String address, String user, String password) {
        SSLContext trustAll;
        try {
            trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new TrustAll()}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        HttpClient http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .sslContext(trustAll)
                .build();
        return new RestClient(http, "https://" + address, basic(user, password));
    }

    /** A client of the same node as another user (basic auth). */
    public RestClient as(String user, String password) {
        return new RestClient(http, baseUri, basic(user, password));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public Response request(String method, String path, String jsonBody) throws IOException {
        HttpRequest.Builder request = newRequest(path)
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", path.contains("_bulk") ? "application/x-ndjson" : "application/json");
        request.method(
                method,
                jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        return send(request, path);
    }

    private HttpRequest.Builder newRequest(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUri + path));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request;
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
                newRequest(path)
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

    /** Accepts every server certificate, and so checks no host name either (an extended trust manager does that). */
    private static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
