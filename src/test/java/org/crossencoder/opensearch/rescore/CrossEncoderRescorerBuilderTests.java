/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

public class CrossEncoderRescorerBuilderTests {

    private static CrossEncoderRescorerBuilder parse(String json) throws Exception {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json)) {
            return CrossEncoderRescorerBuilder.fromXContent(parser, () -> null, new ShardSearches());
        }
    }

    private static Throwable rootCause(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    @Test
    public void parsesEveryOption() throws Exception {
        CrossEncoderRescorerBuilder builder =
                parse("{\"model\":\"m\",\"query_text\":\"how many\",\"fields\":[\"title\",\"meta.passage\"],"
                        + "\"score_mode\":\"multiply\",\"query_weight\":0.5,\"rescore_query_weight\":2}");
        assertEquals("m", builder.model());
        assertEquals("how many", builder.queryText());
        assertEquals(List.of("title", "meta.passage"), builder.fields());
        assertEquals(ScoreMode.MULTIPLY, builder.scoreMode());
        assertEquals(0.5f, builder.queryWeight(), 0f);
        assertEquals(2f, builder.rescoreQueryWeight(), 0f);
    }

    @Test
    public void defaultsToReplacingTheScoreWithUnitWeights() throws Exception {
        CrossEncoderRescorerBuilder builder = parse("{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"passage\"]}");
        assertEquals(ScoreMode.REPLACE, builder.scoreMode());
        assertEquals(1f, builder.queryWeight(), 0f);
        assertEquals(1f, builder.rescoreQueryWeight(), 0f);
    }

    @Test
    public void rendersWhatItParses() throws Exception {
        CrossEncoderRescorerBuilder original = new CrossEncoderRescorerBuilder(
                        () -> null, new ShardSearches(), "m", "q", List.of("a", "b"))
                .scoreMode(ScoreMode.AVG)
                .queryWeight(0.25f)
                .windowSize(42);
        XContentBuilder json = XContentFactory.jsonBuilder();
        original.toXContent(json, ToXContent.EMPTY_PARAMS);
        String rendered = BytesReference.bytes(json).utf8ToString();
        assertThat(rendered, containsString("\"window_size\":42"));
        String inner = rendered.substring(
                rendered.indexOf("\"cross_encoder\":") + "\"cross_encoder\":".length(), rendered.length() - 1);
        CrossEncoderRescorerBuilder reparsed = parse(inner).windowSize(42);
        assertEquals(original, reparsed);
        assertEquals(original.hashCode(), reparsed.hashCode());
    }

    @Test
    public void survivesTheWire() throws Exception {
        CrossEncoderRescorerBuilder original = new CrossEncoderRescorerBuilder(
                        () -> null, new ShardSearches(), "m", "q", List.of("a"))
                .scoreMode(ScoreMode.MAX)
                .rescoreQueryWeight(3f)
                .windowSize(7);
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            original.writeTo(out);
            CrossEncoderRescorerBuilder read =
                    new CrossEncoderRescorerBuilder(out.bytes().streamInput(), () -> null, new ShardSearches());
            assertEquals(original, read);
            assertEquals(7, (int) read.windowSize());
        }
        assertNotEquals(
                original,
                new CrossEncoderRescorerBuilder(() -> null, new ShardSearches(), "m", "other query", List.of("a"))
                        .windowSize(7));
    }

    @Test
    public void namesWhatIsMissingOrWrong() {
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> parse("{\"model\":\"m\",\"fields\":[\"a\"]}"))
                        .getMessage(),
                containsString("[cross_encoder] requires a non-empty [query_text]"));
        assertThat(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("{\"model\":\" \",\"query_text\":\"q\",\"fields\":[\"a\"]}"))
                        .getMessage(),
                containsString("[cross_encoder] requires a non-empty [model]"));
        assertThat(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[]}"))
                        .getMessage(),
                containsString("[cross_encoder] [fields] must name at least one text field"));
        assertThat(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"\"]}"))
                        .getMessage(),
                containsString("[cross_encoder] requires a non-empty [fields]"));
        assertThat(
                rootCause(assertThrows(
                                Exception.class,
                                () -> parse("{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"a\"],\"x\":1}")))
                        .getMessage(),
                containsString("unknown field [x]"));
        assertThat(
                rootCause(
                                assertThrows(
                                        Exception.class,
                                        () -> parse(
                                                "{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"a\"],\"query_weight\":\"NaN\"}")))
                        .getMessage(),
                containsString("[cross_encoder] [query_weight] must be a finite number"));
    }

    @Test
    public void withoutAModelItUsesTheDefaultAndSaysNothingOfOne() throws Exception {
        CrossEncoderRescorerBuilder builder = parse("{\"query_text\":\"q\",\"fields\":[\"a\"]}");
        assertEquals(null, builder.model());
        XContentBuilder json = XContentFactory.jsonBuilder();
        builder.toXContent(json, ToXContent.EMPTY_PARAMS);
        assertFalse(BytesReference.bytes(json).utf8ToString().contains("model"));
        try (BytesStreamOutput out = new BytesStreamOutput()) {
            builder.writeTo(out);
            assertEquals(
                    builder,
                    new CrossEncoderRescorerBuilder(out.bytes().streamInput(), () -> null, new ShardSearches()));
        }
    }

    @Test
    public void refusesAWindowThatCannotHoldAHit() {
        CrossEncoderRescorerBuilder builder =
                new CrossEncoderRescorerBuilder(() -> null, new ShardSearches(), "m", "q", List.of("a"));
        for (int windowSize : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertThat(
                    assertThrows(IllegalArgumentException.class, () -> builder.windowSize(windowSize))
                            .getMessage(),
                    containsString("[cross_encoder] [window_size] must be at least 1, got [" + windowSize + "]"));
        }
        assertEquals(1, (int) builder.windowSize(1).windowSize());
    }
}
