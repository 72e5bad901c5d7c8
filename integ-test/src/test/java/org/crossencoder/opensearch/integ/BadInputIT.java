/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.integ;

import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.BeforeClass;
import org.junit.Test;
import org.opensearch.Version;

/**
 * Malformed and hostile requests across every way into the plugin, on a real node: each one gets a 4xx whose
 * error names the problem (but for one 2.19.1 and 3.0 answer with a 500 of their own), and afterwards the node is green
 * and a normal reranked search returns the same hits as before. (A burst beyond the inference queue is {@link InferenceQueueIT}.)
 */
public class BadInputIT extends CrossEncoderIntegTestCase {

    private static final String INDEX = "bad-input";
    private static final String SEARCH = "/" + INDEX + "/_search";
    private static final String RERANK = "/_plugins/cross_encoder/_rerank";
    private static final String MEGABYTE = "x".repeat(1 << 20);
    /** Zero-width space, word joiner, byte order mark, soft hyphen, Hangul filler: nothing a tokenizer reads. */
    private static final String INVISIBLE = "\\u200B\\u2060\\uFEFF\\u00AD\\u3164";

    /** One request and what the answer must be: its status and a phrase of its error. */
    private record Case(String name, String method, String path, String body, int status, String message) {}

    @BeforeClass
    public static void setUpIndex() throws Exception {
        createIndex(
                INDEX,
                2,
                "{\"passage\":{\"type\":\"text\"},\"year\":{\"type\":\"integer\"},\"meta\":{\"properties\":{\"summary\":{\"type\":\"text\"}}}}",
                Map.of(
                        "1",
                        "{\"passage\":\"people live in Berlin\",\"year\":2020}",
                        "2",
                        "{\"passage\":\"museums of New York\",\"year\":2021}",
                        "3",
                        "{\"passage\":\"the population of Berlin grows\",\"year\":2022}"));
        client.ok(
                "PUT",
                "/_search/pipeline/bad-input-rescore",
                "{\"request_processors\":[{\"cross_encoder_rescore\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"]}}]}");
        client.ok(
                "PUT",
                "/_search/pipeline/bad-input-rerank",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"" + GENERATED
                        + "\",\"fields\":[\"passage\"]}}]}");
    }

    private static String rescore(String windowSize, String crossEncoder) {
        return "{\"query\":{\"match\":{\"passage\":\"berlin\"}},\"rescore\":{"
                + (windowSize == null ? "" : "\"window_size\":" + windowSize + ",") + "\"cross_encoder\":"
                + crossEncoder + "}}";
    }

    private static String crossEncoder(String model, String queryText, String fields, String extra) {
        StringBuilder json = new StringBuilder("{");
        if (model != null) {
            json.append("\"model\":").append(model).append(',');
        }
        if (queryText != null) {
            json.append("\"query_text\":").append(queryText).append(',');
        }
        if (fields != null) {
            json.append("\"fields\":").append(fields).append(',');
        }
        json.append(extra);
        if (json.charAt(json.length() - 1) == ',') {
            json.setLength(json.length() - 1);
        }
        return json.append('}').toString();
    }

    private static String valid(String extra) {
        return crossEncoder("\"" + GENERATED + "\"", "\"berlin\"", "[\"passage\"]", extra);
    }

    private static String rerank(String fields) {
        return "{" + fields + "}";
    }

    private static String nested(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    private static List<Case> cases() throws IOException {
        String tiny = "\"" + GENERATED + "\"";
        // OpenSearch 2.19.1 and 3.0 answer an int overflow in the rescore's own window_size with a 500 (2.19.4 and 3.1
        // on with a 400; 2.19.2 and 2.19.3 cannot be built, Maven Central lacking part of their test framework).
        boolean overflowIs500 = Version.CURRENT.before(Version.fromString("2.19.4"))
                || (Version.CURRENT.major == 3 && Version.CURRENT.minor == 0);
        int windowOverflowStatus = overflowIs500 ? 500 : 400;
        // Versions whose test nodes run without ML Commons (test-versions.sh) refuse ml: models for that.
        boolean mlCommons = client.hasPlugin("opensearch-ml");
        int unknownMlModelStatus = mlCommons ? 404 : 400;
        String unknownMlModel = mlCommons
                ? "ML Commons has no model [noSuchModel0123]"
                : "ML Commons (the opensearch-ml plugin) is not installed";
        List<Case> cases = new ArrayList<>();
        // The rescore clause.
        cases.add(new Case(
                "window 0", "POST", SEARCH, rescore("0", valid("")), 400, "[window_size] must be at least 1, got [0]"));
        cases.add(new Case(
                "window -1",
                "POST",
                SEARCH,
                rescore("-1", valid("")),
                400,
                "[window_size] must be at least 1, got [-1]"));
        cases.add(new Case("window text", "POST", SEARCH, rescore("\"many\"", valid("")), 400, "many"));
        cases.add(new Case(
                "window too large",
                "POST",
                SEARCH,
                rescore("1001", valid("")),
                400,
                "window_size [1001] is too large"));
        cases.add(new Case(
                "window beyond int",
                "POST",
                SEARCH,
                rescore("9999999999", valid("")),
                windowOverflowStatus,
                "9999999999"));
        cases.add(new Case(
                "model missing, no default",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(null, "\"q\"", "[\"passage\"]", "")),
                400,
                "no [model] given and [plugins.cross_encoder.default_model] is not set"));
        cases.add(new Case(
                "model empty",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"\"", "\"q\"", "[\"passage\"]", "")),
                400,
                "[model] must not be blank; leave it out to use the default model"));
        cases.add(new Case(
                "models not an array",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(null, "\"q\"", "[\"passage\"]", "\"models\":" + tiny)),
                400,
                "models"));
        cases.add(new Case(
                "models entry a number",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(null, "\"q\"", "[\"passage\"]", "\"models\":[1]")),
                400,
                "[models] entry [0] is [1]"));
        cases.add(new Case(
                "models weight text",
                "POST",
                SEARCH,
                rescore(
                        "5",
                        crossEncoder(
                                null,
                                "\"q\"",
                                "[\"passage\"]",
                                "\"models\":[{\"model\":" + tiny + ",\"weight\":\"heavy\"}]")),
                400,
                "each entry is a model name or"));
        cases.add(new Case(
                "probability text",
                "POST",
                SEARCH,
                rescore("5", valid("\"probability\":\"maybe\"")),
                400,
                "probability"));
        cases.add(new Case(
                "rerank min_score text",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"query_text\":\"q\",\"texts\":[\"a\"],\"min_score\":\"high\""),
                400,
                "min_score"));
        cases.add(new Case(
                "model unknown",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"nope\"", "\"q\"", "[\"passage\"]", "")),
                404,
                "unknown cross-encoder model [nope]"));
        // Model names are names: looked up among the loaded models, never resolved as paths.
        for (String name : List.of(
                "../" + GENERATED,
                "/etc/passwd",
                "models/" + GENERATED,
                "generated\u2010tiny\u2010cross\u2010encoder")) {
            cases.add(new Case(
                    "model name " + name,
                    "POST",
                    SEARCH,
                    rescore("5", crossEncoder("\"" + name + "\"", "\"q\"", "[\"passage\"]", "")),
                    404,
                    "unknown cross-encoder model [" + name + "]"));
            cases.add(new Case(
                    "model name " + name + ", rerank",
                    "POST",
                    RERANK,
                    "{\"model\":\"" + name + "\",\"query_text\":\"q\",\"texts\":[\"a\"]}",
                    404,
                    "unknown cross-encoder model [" + name + "]"));
        }
        cases.add(new Case(
                "model name too long",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"" + "m".repeat(300) + "\"", "\"q\"", "[\"passage\"]", "")),
                400,
                "[model] is [300] characters long"));
        cases.add(new Case(
                "model name a path, pipeline",
                "PUT",
                "/_search/pipeline/bad-input-path",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"../x\",\"fields\":[\"passage\"]}}]}",
                400,
                "unknown cross-encoder model [../x]"));
        // _rerank bounds its body and its texts.
        String longTexts = String.join(",", Collections.nCopies(1000, "\"" + "y".repeat(15_000) + "\""));
        cases.add(new Case(
                "rerank 15 MB body",
                "POST",
                RERANK,
                "{\"model\":\"" + GENERATED + "\",\"query_text\":\"q\",\"texts\":[" + longTexts + "]}",
                413,
                "is larger than [plugins.cross_encoder.rerank.max_request_size] allows ([4mb])"));
        String twoMillion = String.join(",", Collections.nCopies(3, "\"" + "z".repeat(700_000) + "\""));
        cases.add(
                new Case(
                        "rerank texts over the total",
                        "POST",
                        RERANK,
                        "{\"model\":\"" + GENERATED + "\",\"query_text\":\"q\",\"texts\":[" + twoMillion + "]}",
                        400,
                        "[rerank] [texts] hold [2100000] characters together; [plugins.cross_encoder.rerank.max_total_text_length] allows at most [2000000]"));

        // ML Commons models: a name that is no model id never reaches ML Commons; an id it lacks is its 404.
        for (String notAnId : List.of("ml:../models/x", "ml:/etc/passwd", "ml:", "ml:a b", "ml:" + "a".repeat(200))) {
            cases.add(new Case(
                    "ml model " + notAnId.substring(0, Math.min(20, notAnId.length())),
                    "POST",
                    SEARCH,
                    rescore("5", crossEncoder("\"" + notAnId + "\"", "\"q\"", "[\"passage\"]", "")),
                    400,
                    "is not an ML Commons model"));
        }
        cases.add(new Case(
                "ml model unknown",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"ml:noSuchModel0123\"", "\"q\"", "[\"passage\"]", "")),
                unknownMlModelStatus,
                unknownMlModel));
        cases.add(new Case(
                "ml model unknown, rerank",
                "POST",
                RERANK,
                "{\"model\":\"ml:noSuchModel0123\",\"query_text\":\"q\",\"texts\":[\"a\"]}",
                unknownMlModelStatus,
                unknownMlModel));
        cases.add(new Case(
                "ml model not an id, pipeline",
                "PUT",
                "/_search/pipeline/bad-input-ml",
                "{\"response_processors\":[{\"cross_encoder_rerank\":{\"model\":\"ml:../x\",\"fields\":[\"passage\"]}}]}",
                400,
                "is not an ML Commons model"));
        cases.add(new Case(
                "model is a path",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"../../etc\"", "\"q\"", "[\"passage\"]", "")),
                404,
                "unknown cross-encoder model [../../etc]"));
        cases.add(new Case(
                "model is an object",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("{}", "\"q\"", "[\"passage\"]", "")),
                400,
                "model"));
        cases.add(new Case(
                "model failed to load",
                "POST",
                SEARCH,
                rescore("5", crossEncoder("\"" + BROKEN + "\"", "\"q\"", "[\"passage\"]", "")),
                503,
                "cross-encoder model [" + BROKEN + "] on node [shared-node] failed to load"));
        cases.add(new Case(
                "query_text missing",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, null, "[\"passage\"]", "")),
                400,
                "[cross_encoder] Required [query_text]"));
        cases.add(new Case(
                "query_text empty",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"\"", "[\"passage\"]", "")),
                400,
                "requires a non-empty [query_text]"));
        cases.add(new Case(
                "query_text blank",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\" \\t \"", "[\"passage\"]", "")),
                400,
                "requires a non-empty [query_text]"));
        cases.add(new Case(
                "query_text only zero-width and invisible characters",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"" + INVISIBLE + "\"", "[\"passage\"]", "")),
                400,
                "requires a non-empty [query_text] (one with a visible character"));
        cases.add(new Case(
                "query_text object",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "{\"a\":1}", "[\"passage\"]", "")),
                400,
                "query_text"));
        cases.add(new Case(
                "query_text array",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "[\"a\",\"b\"]", "[\"passage\"]", "")),
                400,
                "query_text"));
        cases.add(new Case(
                "query_text 1 MB",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"" + MEGABYTE + "\"", "[\"passage\"]", "")),
                400,
                "[query_text] is [1048576] characters long"));
        cases.add(new Case(
                "fields missing",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"q\"", null, "")),
                400,
                "[cross_encoder] Required [fields]"));
        cases.add(new Case(
                "fields empty",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"q\"", "[]", "")),
                400,
                "[fields] must name at least one text field"));
        cases.add(new Case(
                "field empty name",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"q\"", "[\"\"]", "")),
                400,
                "requires a non-empty [fields]"));
        cases.add(new Case(
                "field unmapped",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"q\"", "[\"nope\"]", "")),
                400,
                "field [nope] is not mapped"));
        cases.add(new Case(
                "field numeric",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"q\"", "[\"year\"]", "")),
                400,
                "is of type [integer]"));
        cases.add(new Case(
                "field object",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"q\"", "[\"meta\"]", "")),
                400,
                "field [meta] is an object"));
        cases.add(new Case(
                "fields object",
                "POST",
                SEARCH,
                rescore("5", crossEncoder(tiny, "\"q\"", "{\"a\":1}", "")),
                400,
                "fields"));
        cases.add(new Case(
                "score_mode unknown",
                "POST",
                SEARCH,
                rescore("5", valid("\"score_mode\":\"sum\"")),
                400,
                "[score_mode] must be one of"));
        cases.add(new Case(
                "interpolate weight above 1",
                "POST",
                SEARCH,
                rescore("5", valid("\"score_mode\":\"interpolate\",\"weight\":2")),
                400,
                "[weight] must be between 0 and 1 but was [2.0]"));
        cases.add(new Case(
                "interpolate normalization unknown",
                "POST",
                SEARCH,
                rescore("5", valid("\"score_mode\":\"interpolate\",\"normalization\":\"l2\"")),
                400,
                "[normalization] must be one of [min_max, reciprocal_rank] but was [l2]"));
        cases.add(new Case(
                "weight with replace",
                "POST",
                SEARCH,
                rescore("5", valid("\"score_mode\":\"replace\",\"weight\":0.5")),
                400,
                "[normalization] and [weight] go with score_mode [interpolate], not [replace]"));
        cases.add(new Case(
                "query_weight without the score_mode it goes with",
                "POST",
                SEARCH,
                rescore("5", valid("\"query_weight\":2")),
                400,
                "[query_weight] and [rescore_query_weight] weigh the scores of a raw score_mode: give the [score_mode]"
                        + " they go with"));
        cases.add(new Case(
                "interpolate with query_weight",
                "POST",
                SEARCH,
                rescore("5", valid("\"score_mode\":\"interpolate\",\"query_weight\":2")),
                400,
                "do not apply to score_mode [interpolate]"));
        cases.add(new Case(
                "query_weight NaN",
                "POST",
                SEARCH,
                rescore("5", valid("\"score_mode\":\"total\",\"query_weight\":\"NaN\"")),
                400,
                "[query_weight] must be a finite number"));
        cases.add(new Case(
                "query_weight text",
                "POST",
                SEARCH,
                rescore("5", valid("\"query_weight\":\"heavy\"")),
                400,
                "query_weight"));
        cases.add(new Case(
                "rescore_query_weight infinite",
                "POST",
                SEARCH,
                rescore("5", valid("\"score_mode\":\"total\",\"rescore_query_weight\":\"Infinity\"")),
                400,
                "[rescore_query_weight] must be a finite number"));
        cases.add(new Case(
                "unknown option",
                "POST",
                SEARCH,
                rescore("5", valid("\"colour\":\"red\"")),
                400,
                "unknown field [colour]"));
        cases.add(new Case("cross_encoder array", "POST", SEARCH, rescore("5", "[1,2]"), 400, "cross_encoder"));
        cases.add(new Case("cross_encoder string", "POST", SEARCH, rescore("5", "\"fast\""), 400, "cross_encoder"));
        cases.add(new Case(
                "deeply nested option", "POST", SEARCH, rescore("5", valid("\"deep\":" + nested(2000))), 400, ""));
        cases.add(new Case(
                "truncated JSON", "POST", SEARCH, rescore("5", valid("")).substring(0, 60), 400, ""));
        cases.add(new Case(
                "msearch window 0",
                "POST",
                "/_msearch",
                "{\"index\":\"" + INDEX + "\"}\n" + rescore("0", valid("")) + "\n",
                400,
                "[window_size] must be at least 1, got [0]"));
        cases.add(new Case(
                "msearch window -1",
                "POST",
                "/_msearch",
                "{\"index\":\"" + INDEX + "\"}\n" + rescore("-1", valid("")) + "\n",
                400,
                "[window_size] must be at least 1, got [-1]"));

        // Search pipelines: their definitions...
        String rescoreProcessor = "{\"request_processors\":[{\"cross_encoder_rescore\":%s}]}";
        String rerankProcessor = "{\"response_processors\":[{\"cross_encoder_rerank\":%s}]}";
        String pipeline = "/_search/pipeline/bad-input-broken";
        cases.add(new Case(
                "processor model empty",
                "PUT",
                pipeline,
                String.format(Locale.ROOT, rescoreProcessor, "{\"model\":\"\",\"fields\":[\"passage\"]}"),
                400,
                "[model] must not be blank; leave it out to use the default model"));
        cases.add(new Case(
                "processor model not served",
                "PUT",
                pipeline,
                String.format(Locale.ROOT, rescoreProcessor, "{\"model\":\"nope\",\"fields\":[\"passage\"]}"),
                400,
                "unknown cross-encoder model [nope] on node [shared-node]; loaded models: ["));
        cases.add(new Case(
                "response processor raw score_mode",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rerankProcessor,
                        "{\"model\":\"" + GENERATED + "\",\"fields\":[\"passage\"],\"score_mode\":\"total\"}"),
                400,
                "[score_mode] must be one of [replace, interpolate] but was [total]"));
        cases.add(new Case(
                "processor interpolate weight below 0",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rescoreProcessor,
                        "{\"model\":\"" + GENERATED
                                + "\",\"fields\":[\"passage\"],\"score_mode\":\"interpolate\",\"weight\":-0.5}"),
                400,
                "[weight] must be between 0 and 1 but was [-0.5]"));
        cases.add(new Case(
                "processor model failed",
                "PUT",
                pipeline,
                String.format(Locale.ROOT, rerankProcessor, "{\"model\":\"" + BROKEN + "\",\"fields\":[\"passage\"]}"),
                400,
                "failed to load"));
        cases.add(new Case(
                "processor fields string",
                "PUT",
                pipeline,
                String.format(Locale.ROOT, rescoreProcessor, "{\"model\":" + tiny + ",\"fields\":\"passage\"}"),
                400,
                "fields"));
        String windowAlone = "a [cross_encoder_window] request processor needs a [cross_encoder_rerank] response"
                + " processor in the same pipeline";
        cases.add(new Case(
                "window processor without a rerank processor",
                "PUT",
                pipeline,
                "{\"request_processors\":[{\"cross_encoder_window\":{\"window_size\":50}}]}",
                400,
                windowAlone));
        cases.add(new Case(
                "a search's own pipeline: window processor without a rerank processor",
                "POST",
                SEARCH,
                "{\"query\":{\"match_all\":{}},\"search_pipeline\":{\"request_processors\":[{\"cross_encoder_window\":{}}]}}",
                400,
                windowAlone));
        for (String name : List.of("", " ", "_id", "_source", "_score", "_cross_encoder_best_window")) {
            cases.add(new Case(
                    "keep_first_stage_score_as [" + name + "]",
                    "PUT",
                    pipeline,
                    String.format(
                            Locale.ROOT,
                            rerankProcessor,
                            "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"keep_first_stage_score_as\":\"" + name
                                    + "\"}"),
                    400,
                    "[keep_first_stage_score_as] "
                            + (name.isBlank()
                                    ? "must name a field, but was blank"
                                    : "[" + name + "] is a metadata field")));
        }
        cases.add(new Case(
                "processor fields empty",
                "PUT",
                pipeline,
                String.format(Locale.ROOT, rescoreProcessor, "{\"model\":" + tiny + ",\"fields\":[]}"),
                400,
                "[fields] must name at least one text field"));
        cases.add(new Case(
                "processor window text",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rescoreProcessor,
                        "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"window_size\":\"big\"}"),
                400,
                "window_size"));
        cases.add(new Case(
                "processor window 0",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rescoreProcessor,
                        "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"window_size\":0}"),
                400,
                "[window_size] must be at least 1"));
        cases.add(new Case(
                "processor score_mode",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rescoreProcessor,
                        "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"score_mode\":\"sum\"}"),
                400,
                "[score_mode] must be one of"));
        cases.add(new Case(
                "processor ignore_missing not boolean",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rescoreProcessor,
                        "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"ignore_missing_query_text\":\"maybe\"}"),
                400,
                "ignore_missing_query_text"));
        cases.add(new Case(
                "processor unknown option",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rescoreProcessor,
                        "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"colour\":\"red\"}"),
                400,
                "colour"));
        cases.add(new Case(
                "rerank processor window -1",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT,
                        rerankProcessor,
                        "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"window_size\":-1}"),
                400,
                "[window_size] must be at least 1"));
        cases.add(new Case(
                "rerank processor unknown option",
                "PUT",
                pipeline,
                String.format(
                        Locale.ROOT, rerankProcessor, "{\"model\":" + tiny + ",\"fields\":[\"passage\"],\"top\":3}"),
                400,
                "top"));
        // ...and the searches that go through them.
        String withRescore = SEARCH + "?search_pipeline=bad-input-rescore";
        String withRerank = SEARCH + "?search_pipeline=bad-input-rerank";
        cases.add(new Case(
                "pipeline without query text",
                "POST",
                withRescore,
                "{\"query\":{\"match_all\":{}}}",
                400,
                "found no query text"));
        cases.add(new Case(
                "ext query_text empty",
                "POST",
                withRescore,
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"\"}}}",
                400,
                "[ext.cross_encoder] requires a non-empty [query_text]"));
        cases.add(new Case(
                "ext query_text only invisible characters",
                "POST",
                withRescore,
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"" + INVISIBLE + "\"}}}",
                400,
                "[ext.cross_encoder] requires a non-empty [query_text]"));
        cases.add(new Case(
                "ext unknown option",
                "POST",
                withRescore,
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query\":\"q\"}}}",
                400,
                "unknown field [query]"));
        cases.add(new Case(
                "ext query_text number",
                "POST",
                withRerank,
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":[1]}}}",
                400,
                "query_text"));
        cases.add(new Case(
                "ext query_text 1 MB (rescore)",
                "POST",
                withRescore,
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"" + MEGABYTE + "\"}}}",
                400,
                "characters long"));
        cases.add(new Case(
                "ext query_text 1 MB (rerank)",
                "POST",
                withRerank,
                "{\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"" + MEGABYTE + "\"}}}",
                400,
                "characters long"));
        cases.add(new Case(
                "rerank processor from > 0",
                "POST",
                withRerank,
                "{\"from\":1,\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"q\"}}}",
                400,
                "cannot order pages it does not see"));
        cases.add(new Case(
                "rerank processor _source filter",
                "POST",
                withRerank,
                "{\"_source\":false,\"query\":{\"match_all\":{}},\"ext\":{\"cross_encoder\":{\"query_text\":\"q\"}}}",
                400,
                "which this request filters"));

        // The rerank API.
        String ok = "\"model\":" + tiny + ",\"query_text\":\"q\"";
        cases.add(new Case(
                "texts a string",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":\"abc\""),
                400,
                "[rerank] [texts] must be an array of strings, got a string"));
        cases.add(new Case(
                "texts numbers",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[1,2]"),
                400,
                "[rerank] [texts] must hold only strings; entry [0] is a number"));
        cases.add(new Case(
                "texts null entry", "POST", RERANK, rerank(ok + ",\"texts\":[\"a\",null]"), 400, "entry [1] is null"));
        cases.add(new Case(
                "texts objects", "POST", RERANK, rerank(ok + ",\"texts\":[{\"a\":1}]"), 400, "entry [0] is an object"));
        cases.add(new Case(
                "texts nested arrays",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[[\"a\"]]"),
                400,
                "entry [0] is an array"));
        cases.add(new Case(
                "texts empty",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[]"),
                400,
                "[texts] or [documents] must hold at least one entry"));
        cases.add(new Case(
                "texts missing",
                "POST",
                RERANK,
                rerank(ok),
                400,
                "[texts] or [documents] must hold at least one entry"));
        cases.add(new Case(
                "texts and documents",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"],\"documents\":[{}],\"fields\":[\"a\"]"),
                400,
                "takes [texts] or [documents], not both"));
        cases.add(new Case(
                "documents without fields",
                "POST",
                RERANK,
                rerank(ok + ",\"documents\":[{\"a\":\"b\"}]"),
                400,
                "[documents] need [fields]"));
        cases.add(new Case(
                "fields without documents",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"],\"fields\":[\"a\"]"),
                400,
                "[fields] go with [documents]"));
        cases.add(new Case(
                "documents lacking the fields",
                "POST",
                RERANK,
                rerank(ok + ",\"fields\":[\"passage\"],\"documents\":[{\"passage\":\"a\"},{\"text\":\"b\"}]"),
                400,
                "[rerank] document [1] has no text in any of the [fields] [passage]"));
        cases.add(new Case(
                "documents strings",
                "POST",
                RERANK,
                rerank(ok + ",\"fields\":[\"passage\"],\"documents\":[\"a\"]"),
                400,
                "[rerank] [documents] must hold only objects; entry [0] is a string"));
        cases.add(new Case(
                "fields numbers",
                "POST",
                RERANK,
                rerank(ok + ",\"fields\":[1],\"documents\":[{\"1\":\"a\"}]"),
                400,
                "[rerank] [fields] must hold only strings; entry [0] is a number"));
        cases.add(new Case(
                "unknown field",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"],\"passages\":[\"b\"]"),
                400,
                "unknown field [passages]"));
        cases.add(new Case(
                "model missing, no default",
                "POST",
                RERANK,
                rerank("\"query_text\":\"q\",\"texts\":[\"a\"]"),
                400,
                "no [model] given and [plugins.cross_encoder.default_model] is not set"));
        cases.add(new Case(
                "model blank",
                "POST",
                RERANK,
                rerank("\"model\":\" \",\"query_text\":\"q\",\"texts\":[\"a\"]"),
                400,
                "[model] must not be blank"));
        cases.add(new Case(
                "model number",
                "POST",
                RERANK,
                rerank("\"model\":5,\"query_text\":\"q\",\"texts\":[\"a\"]"),
                400,
                "[rerank] [model] must be a string, got a number"));
        cases.add(new Case(
                "model unknown",
                "POST",
                RERANK,
                rerank("\"model\":\"nope\",\"query_text\":\"q\",\"texts\":[\"a\"]"),
                404,
                "unknown cross-encoder model [nope]"));
        cases.add(new Case(
                "model failed to load",
                "POST",
                RERANK,
                rerank("\"model\":\"" + BROKEN + "\",\"query_text\":\"q\",\"texts\":[\"a\"]"),
                503,
                "failed to load"));
        cases.add(new Case(
                "query_text missing",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"texts\":[\"a\"]"),
                400,
                "[query_text] is required"));
        cases.add(new Case(
                "query_text only invisible characters",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"query_text\":\"" + INVISIBLE + "\",\"texts\":[\"a\"]"),
                400,
                "[query_text] is required (with a visible character"));
        cases.add(new Case(
                "query_text of 10,001 emoji: counted as characters, not UTF-16 units",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"query_text\":\"" + "\uD83D\uDE00".repeat(10_001)
                        + "\",\"texts\":[\"a\"]"),
                400,
                "[rerank] [query_text] is [10001] characters long"));
        cases.add(new Case(
                "trailing content after the body",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"]") + " {\"x\":1}",
                400,
                "Unexpected token [START_OBJECT] found after the main object."));
        cases.add(new Case(
                "query_text boolean",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"query_text\":true,\"texts\":[\"a\"]"),
                400,
                "[rerank] [query_text] must be a string, got a boolean"));
        cases.add(new Case(
                "query_text 1 MB",
                "POST",
                RERANK,
                rerank("\"model\":" + tiny + ",\"query_text\":\"" + MEGABYTE + "\",\"texts\":[\"a\"]"),
                400,
                "[rerank] [query_text] is [1048576] characters long"));
        cases.add(new Case(
                "top_n 0",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"],\"top_n\":0"),
                400,
                "[top_n] must be at least 1"));
        cases.add(new Case(
                "top_n text", "POST", RERANK, rerank(ok + ",\"texts\":[\"a\"],\"top_n\":\"all\""), 400, "top_n"));
        cases.add(new Case(
                "timeout unparseable",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"],\"timeout\":\"soon\""),
                400,
                "soon"));
        cases.add(new Case(
                "too many texts",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[" + "\"t\",".repeat(1000) + "\"t\"]"),
                400,
                "[rerank] the number of texts [1001] is too large"));
        cases.add(new Case("body an array", "POST", RERANK, "[1,2]", 400, ""));
        cases.add(new Case("body empty", "POST", RERANK, null, 400, "body"));
        cases.add(new Case(
                "body deeply nested",
                "POST",
                RERANK,
                rerank(ok + ",\"texts\":[\"a\"],\"x\":" + nested(2000)),
                400,
                ""));
        cases.add(new Case("wrong method", "GET", RERANK, null, 405, "GET"));

        // Models and stats.
        cases.add(new Case(
                "stats unknown parameter",
                "GET",
                "/_plugins/cross_encoder/stats?verbose=true",
                null,
                400,
                "unrecognized parameter: [verbose]"));
        cases.add(new Case(
                "models unknown parameter",
                "GET",
                "/_plugins/cross_encoder/models?sort=name",
                null,
                400,
                "unrecognized parameter: [sort]"));
        cases.add(new Case("stats wrong method", "DELETE", "/_plugins/cross_encoder/stats", null, 405, "DELETE"));
        cases.add(new Case("models wrong method", "POST", "/_plugins/cross_encoder/models", null, 405, "POST"));
        return cases;
    }

    @Test
    public void everyBadRequestIsA4xxThatNamesTheProblemAndTheNodeServesOn() throws Exception {
        String reference = rescore("10", valid(""));
        List<String> before = ids(client.ok("POST", SEARCH, reference));
        List<Case> cases = cases();
        assertThat(cases.size(), greaterThanOrEqualTo(60));
        List<String> wrong = new ArrayList<>();
        for (Case c : cases) {
            RestClient.Response response = client.request(c.method(), c.path(), c.body());
            String raw = response.raw().length() > 600 ? response.raw().substring(0, 600) + "..." : response.raw();
            if (response.status() != c.status()) {
                wrong.add(c.name() + ": expected " + c.status() + " but got " + response.status() + ": " + raw);
            } else if (response.raw().contains(c.message()) == false) {
                wrong.add(c.name() + ": no [" + c.message() + "] in " + raw);
            }
        }
        assertTrue(
                wrong.size() + " of " + cases.size() + " cases answered wrongly:\n" + String.join("\n", wrong),
                wrong.isEmpty());

        assertEquals("green", client.ok("GET", "/_cluster/health", null).path("status"));
        assertEquals(before, ids(client.ok("POST", SEARCH, reference)));
    }
}
