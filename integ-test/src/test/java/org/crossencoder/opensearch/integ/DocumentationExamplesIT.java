/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;

/**
 * Every JSON example of README.md and docs/ runs as written against a node set up as {@code scripts/demo.sh} sets
 * one up: the index {@code demo} of {@code scripts/demo/}, and the trained model (or, in a clone without
 * {@code ../shared}, the generated one) as the cluster's default model. A block of requests must answer 2xx, request
 * after request, and what its {@code <!-- example: ... -->} comment claims; any other block must be valid JSON.
 * docs/development.md describes the comments.
 */
public class DocumentationExamplesIT extends CrossEncoderIntegTestCase {

    private static final Pattern REQUEST_LINE = Pattern.compile("^(GET|POST|PUT|DELETE|HEAD) (\\S+)$");
    private static final Pattern DIRECTIVE = Pattern.compile("^\\s*<!-- example: (.*) -->\\s*$");
    private static final Path PROJECT = Paths.get(System.getProperty("tests.project.dir"));

    private static String defaultModel;
    private static final List<String> pipelines = new ArrayList<>();

    /** One ```json block: where it is, what its comment says, and its lines. */
    private record Example(String where, Map<String, String> directives, List<String> lines) {}

    /** One request of a block. */
    private record Request(String method, String path, String body) {}

    @BeforeClass
    public static void setUpAsTheDemoDoes() throws Exception {
        client.request("DELETE", "/demo", null);
        client.ok("PUT", "/demo", Files.readString(PROJECT.resolve("scripts/demo/index.json")));
        client.ok(
                "POST", "/demo/_bulk?refresh=true", Files.readString(PROJECT.resolve("scripts/demo/passages.ndjson")));
        defaultModel = hasTestModel(SCI) ? SCI : GENERATED;
        client.ok(
                "PUT",
                "/_cluster/settings",
                "{\"persistent\":{\"plugins.cross_encoder.default_model\":\"" + defaultModel + "\"}}");
    }

    @AfterClass
    public static void putTheNodeBack() throws Exception {
        client.ok("PUT", "/_cluster/settings", "{\"persistent\":{\"plugins.cross_encoder.default_model\":null}}");
        for (String pipeline : pipelines) {
            client.request("DELETE", pipeline, null);
        }
        client.request("DELETE", "/demo", null);
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(PROJECT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(PROJECT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    private static List<Example> examples(Path document) throws IOException {
        List<String> lines = Files.readAllLines(document);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("```json") == false) {
                continue;
            }
            Map<String, String> directives = new LinkedHashMap<>();
            Matcher directive = i > 0 ? DIRECTIVE.matcher(lines.get(i - 1)) : null;
            if (directive != null && directive.matches()) {
                for (String part : directive.group(1).split("\\s+(?=[a-z-]+=)")) {
                    String[] keyValue = part.split("=", 2);
                    directives.put(keyValue[0], keyValue.length > 1 ? keyValue[1] : "");
                }
            }
            int start = i + 1;
            int end = start;
            while (lines.get(end).strip().equals("```") == false) {
                end++;
            }
            examples.add(
                    new Example(PROJECT.relativize(document) + ":" + (i + 1), directives, lines.subList(start, end)));
            i = end;
        }
        return examples;
    }

    private static List<Request> requests(Example example) {
        List<Request> requests = new ArrayList<>();
        Matcher line = null;
        StringBuilder body = new StringBuilder();
        for (String text : example.lines()) {
            Matcher next = REQUEST_LINE.matcher(text.strip());
            if (next.matches()) {
                if (line != null) {
                    requests.add(request(line, body));
                }
                line = next;
                body.setLength(0);
            } else if (line != null) {
                body.append(text).append('\n');
            }
        }
        if (line != null) {
            requests.add(request(line, body));
        }
        return requests;
    }

    private static Request request(Matcher line, StringBuilder body) {
        String path = line.group(2).startsWith("/") ? line.group(2) : "/" + line.group(2);
        return new Request(line.group(1), path, body.toString().isBlank() ? null : body.toString());
    }

    /** What the node lacks of the models and plugins an example needs, or null when it has all. */
    @SuppressWarnings("unchecked")
    private static String missing(String needs) throws IOException {
        Map<String, Object> models =
                client.ok("GET", "/_plugins/cross_encoder/models", null).path("models");
        String plugins = client.ok("GET", "/_cat/plugins?h=component", null).raw();
        List<String> lacking = new ArrayList<>();
        for (String need : needs.split(",")) {
            if (models.containsKey(need) == false && plugins.contains(need) == false) {
                lacking.add(need);
            }
        }
        return lacking.isEmpty() ? null : String.join(", ", lacking);
    }

    @Test
    public void everyExampleRunsAsWritten() throws Exception {
        List<String> wrong = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int run = 0;
        int jsonOnly = 0;
        for (Path document : documents()) {
            for (Example example : examples(document)) {
                List<Request> requests = requests(example);
                if (requests.isEmpty()) {
                    try {
                        XContentHelper.convertToMap(
                                JsonXContent.jsonXContent, String.join("\n", example.lines()), true);
                        jsonOnly++;
                    } catch (RuntimeException e) {
                        wrong.add(example.where() + ": not valid JSON: " + e.getMessage());
                    }
                    continue;
                }
                if (example.directives().containsKey("skip")) {
                    skipped.add(example.where() + " (" + example.directives().get("skip") + ")");
                    continue;
                }
                String lacking = example.directives().containsKey("needs")
                        ? missing(example.directives().get("needs"))
                        : null;
                if (lacking != null) {
                    skipped.add(example.where() + " (this node has no " + lacking + ")");
                    continue;
                }
                run++;
                String failure = check(example, requests);
                if (failure != null) {
                    wrong.add(example.where() + ": " + failure);
                }
            }
        }
        System.out.println("Documentation examples: " + run + " run, " + jsonOnly + " checked as JSON, "
                + skipped.size() + " skipped" + (skipped.isEmpty() ? "" : ": " + String.join("; ", skipped)));
        assertThat("examples found", run, greaterThan(10));
        assertTrue(wrong.size() + " examples do not run as written:\n" + String.join("\n", wrong), wrong.isEmpty());
    }

    /** Runs the requests in order; what went wrong, or null. */
    private static String check(Example example, List<Request> requests) throws IOException {
        RestClient.Response last = null;
        for (Request request : requests) {
            last = client.request(request.method(), request.path(), request.body());
            if (request.method().equals("PUT") && request.path().startsWith("/_search/pipeline/")) {
                pipelines.add(request.path());
            }
            if (last.status() / 100 != 2) {
                return request.method() + " " + request.path() + " answered " + last.status() + ": " + last.raw();
            }
        }
        String first = example.directives().get("first");
        if (first != null && SCI.equals(defaultModel)) {
            Object top = last.path("hits.hits.0._id");
            if (first.equals(top) == false) {
                return "the text says [" + first + "] ranks first, but [" + top + "] does: " + last.raw();
            }
        }
        String ext = example.directives().get("expect-ext");
        if (ext != null && last.path("ext." + ext) == null) {
            return "the text says the response has [ext." + ext + "], but it has not: " + last.raw();
        }
        return null;
    }
}
