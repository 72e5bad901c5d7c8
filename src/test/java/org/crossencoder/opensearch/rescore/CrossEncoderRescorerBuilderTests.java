/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;

import java.util.List;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.crossencoder.opensearch.ranking.ScoreMode;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.junit.Test;
import org.opensearch.common.io.stream.BytesStreamOutput;
import org.opensearch.common.xcontent.XContentFactory;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParseException;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.OpenSearchTestCase;

public class CrossEncoderRescorerBuilderTests extends OpenSearchTestCase {

    private static CrossEncoderRescorerBuilder parse(String json) throws Exception {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json)) {
            parser.nextToken(); // where the rescore clause's parsing hands over: on the clause's opening brace
            return CrossEncoderRescorerBuilder.fromXContent(parser, () -> null, new ShardSearches());
        }
    }

    @Test
    public void parsesEveryOption() throws Exception {
        CrossEncoderRescorerBuilder builder =
                parse("{\"model\":\"m\",\"query_text\":\"how many\",\"fields\":[\"title\",\"meta.passage\"],"
                        + "\"score_mode\":\"multiply\",\"query_weight\":0.5,\"rescore_query_weight\":2}");
        assertEquals(
                List.of(new ModelSelection.Member("m", 1f, null)),
                builder.selection().members());
        assertEquals("how many", builder.queryText());
        assertEquals(List.of("title", "meta.passage"), builder.fields());
        assertEquals(new BlendOptions(ScoreMode.MULTIPLY, 0.5f, 2f, null, null), builder.blend());
    }

    @Test
    public void parsesAnEnsembleAndProbabilities() throws Exception {
        CrossEncoderRescorerBuilder builder = parse("{\"models\":[\"a\",{\"model\":\"b\",\"weight\":3}],"
                + "\"probability\":true,\"query_text\":\"q\",\"fields\":[\"passage\"]}");
        assertEquals(
                new ModelSelection(
                        List.of(new ModelSelection.Member("a", 1f, null), new ModelSelection.Member("b", 3f, null)),
                        true),
                builder.selection());
        XContentBuilder json = XContentFactory.jsonBuilder();
        builder.toXContent(json, ToXContent.EMPTY_PARAMS);
        assertThat(
                BytesReference.bytes(json).utf8ToString(),
                containsString("\"models\":[{\"model\":\"a\",\"weight\":1.0},{\"model\":\"b\",\"weight\":3.0}],"
                        + "\"probability\":true"));
    }

    @Test
    public void leavesTheBlendToTheModelOrThePluginWhenTheRequestGivesNone() throws Exception {
        CrossEncoderRescorerBuilder builder = parse("{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"passage\"]}");
        assertEquals(BlendOptions.DEFAULT, builder.blend());
        assertEquals(
                "without a model default: interpolate, min_max, 0.5",
                new ScoreCombination(
                        ScoreMode.INTERPOLATE, 1f, 1f, new Interpolation(Interpolation.Normalization.MIN_MAX, 0.5f)),
                builder.blend().resolve((ScoreCombination) null));
        XContentBuilder json = XContentFactory.jsonBuilder();
        builder.toXContent(json, ToXContent.EMPTY_PARAMS);
        assertThat(
                "an option left out stays out on the wire and in the rendered request",
                BytesReference.bytes(json).utf8ToString(),
                not(containsString("score_mode")));
    }

    @Test
    public void rendersWhatItParses() throws Exception {
        CrossEncoderRescorerBuilder original = new CrossEncoderRescorerBuilder(
                        () -> null,
                        new ShardSearches(),
                        ModelSelection.of("m", null, null),
                        "q",
                        List.of("a", "b"),
                        new BlendOptions(ScoreMode.AVG, 0.25f, 1f, null, null))
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
    public void namesWhatIsMissingOrWrongWithWhereItIs() {
        assertParseError("{\"model\":\"m\",\"fields\":[\"a\"]}", "[cross_encoder] Required [query_text]");
        assertParseError("{\"model\":\"m\",\"query_text\":\"q\"}", "[cross_encoder] Required [fields]");
        assertParseError(
                "{\"model\":\" \",\"query_text\":\"q\",\"fields\":[\"a\"]}",
                "[cross_encoder] [model] must not be blank; leave it out to use the default model");
        assertParseError(
                "{\"model\":\"m\",\"models\":[\"m\"],\"query_text\":\"q\",\"fields\":[\"a\"]}",
                "[cross_encoder] give [model] or [models], not both");
        assertParseError(
                "{\"models\":[],\"query_text\":\"q\",\"fields\":[\"a\"]}",
                "[cross_encoder] [models] must be a non-empty array");
        assertParseError(
                "{\"models\":[\"a\",{\"model\":\"b\",\"weight\":0}],\"query_text\":\"q\",\"fields\":[\"a\"]}",
                "[models] model [b] has [weight] [0.0]; a weight must be a finite number above 0");
        assertParseError(
                "{\"models\":[\"a\",{\"name\":\"b\"}],\"query_text\":\"q\",\"fields\":[\"a\"]}",
                "[models] entry [1] is [{name=b}]; each entry is a model name or {\"model\": name, \"weight\": number}");
        assertParseError(
                "{\"models\":[\"a\",\"a\"],\"query_text\":\"q\",\"fields\":[\"a\"]}", "[models] names model [a] twice");
        assertParseError(
                "{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"a\"],\"min_score\":0.5}",
                "[cross_encoder] takes no [min_score]: a rescore reorders each shard's hits and cannot drop any");
        assertParseError(
                "{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[]}",
                "[cross_encoder] [fields] must name at least one text field");
        assertParseError(
                "{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"\"]}",
                "[cross_encoder] requires a non-empty [fields]");
        assertParseError("{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"a\"],\"x\":1}", "unknown field [x]");
        assertParseError(
                "{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"total\",\"query_weight\":\"NaN\"}",
                "[cross_encoder] [query_weight] must be a finite number");
        assertParseError(
                "{\"model\":\"m\",\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"sum\"}",
                "[score_mode] must be one of");
    }

    @Test
    public void interpolateTakesANormalizationAndAWeightInsteadOfTheQueryWeights() throws Exception {
        CrossEncoderRescorerBuilder defaults =
                parse("{\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"interpolate\"}");
        assertEquals(
                Interpolation.DEFAULT,
                defaults.blend().resolve((ScoreCombination) null).interpolation());
        CrossEncoderRescorerBuilder chosen =
                parse("{\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"interpolate\","
                        + "\"normalization\":\"reciprocal_rank\",\"weight\":0.8}");
        assertEquals(
                new Interpolation(Interpolation.Normalization.RECIPROCAL_RANK, 0.8f),
                chosen.blend().resolve((ScoreCombination) null).interpolation());
        XContentBuilder json = XContentFactory.jsonBuilder();
        chosen.toXContent(json, ToXContent.EMPTY_PARAMS);
        assertThat(
                BytesReference.bytes(json).utf8ToString(),
                containsString("\"normalization\":\"reciprocal_rank\",\"weight\":0.8"));

        assertParseError(
                "{\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"replace\",\"weight\":0.5}",
                "[cross_encoder] [normalization] and [weight] go with score_mode [interpolate], not [replace]");
        assertParseError(
                "{\"query_text\":\"q\",\"fields\":[\"a\"],\"rescore_query_weight\":2}",
                "[cross_encoder] [query_weight] and [rescore_query_weight] weigh the scores of a raw score_mode: give the"
                        + " [score_mode] they go with");
        assertParseError(
                "{\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"interpolate\",\"query_weight\":2}",
                "[query_weight] and [rescore_query_weight] do not apply to score_mode [interpolate]");
        assertParseError(
                "{\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"interpolate\",\"weight\":2}",
                "[weight] must be between 0 and 1 but was [2.0]");
        assertParseError(
                "{\"query_text\":\"q\",\"fields\":[\"a\"],\"score_mode\":\"interpolate\",\"normalization\":\"l2\"}",
                "[normalization] must be one of [min_max, reciprocal_rank] but was [l2]");
    }

    @Test
    public void readsDocumentsMadeOfChunks() throws Exception {
        CrossEncoderRescorerBuilder chunked = parse("{\"query_text\":\"q\",\"chunks\":{\"field\":\"chunks.text\","
                + "\"combine\":\"mean\",\"max_chunks\":20}}");
        assertEquals(new Chunks("chunks.text", PassageWindows.Combine.MEAN, 20, null, null), chunked.chunks());
        assertEquals("the chunk field is what the rescore reads", List.of("chunks.text"), chunked.fields());
        XContentBuilder json = XContentFactory.jsonBuilder();
        chunked.toXContent(json, ToXContent.EMPTY_PARAMS);
        String rendered = BytesReference.bytes(json).utf8ToString();
        String inner = rendered.substring(
                rendered.indexOf("\"cross_encoder\":") + "\"cross_encoder\":".length(), rendered.length() - 1);
        assertEquals(chunked, parse(inner));
        assertEquals(
                "[fields] naming the chunk field alone is the same request",
                chunked,
                parse("{\"query_text\":\"q\",\"fields\":[\"chunks.text\"],\"chunks\":{\"field\":\"chunks.text\","
                        + "\"combine\":\"mean\",\"max_chunks\":20}}"));

        assertParseError(
                "{\"query_text\":\"q\",\"fields\":[\"title\"],\"chunks\":{\"field\":\"c\"}}",
                "[chunks] reads each document's text from its [field] [c], so [fields] [title] cannot be read with it");
        assertParseError(
                "{\"query_text\":\"q\",\"chunks\":{\"field\":\"c\",\"combine\":\"sum\"}}",
                "[chunks.combine] must be one of [max, first, mean] but was [sum]");
        assertParseError(
                "{\"query_text\":\"q\",\"chunks\":{\"field\":\"c\",\"max_chunks\":0}}",
                "[chunks] [max_chunks] must be between [1] and [1024] but was [0]");
        assertParseError(
                "{\"query_text\":\"q\",\"chunks\":{\"field\":\"c\",\"max_chunks\":5000}}",
                "[chunks] [max_chunks] must be between [1] and [1024] but was [5000]");
        assertParseError("{\"query_text\":\"q\",\"chunks\":{\"combine\":\"max\"}}", "[chunks] requires [field]");
        assertParseError("{\"query_text\":\"q\",\"chunks\":{\"field\":\"c\",\"size\":3}}", "unknown field [size]");
        assertParseError(
                "{\"query_text\":\"q\",\"chunks\":{\"field\":\"c.text\",\"inner_hits\":\"matched\"}}",
                "[chunks] [inner_hits] works only where the hits' inner hits are known, after the fetch phase: in the "
                        + "[cross_encoder_rerank] search response processor with [score_on] [coordinator]; the "
                        + "[cross_encoder] rescore runs on each shard in the query phase and scores before that");
    }

    /** The error names the problem, and where in the request it is. */
    private static void assertParseError(String json, String message) {
        Exception e = assertThrows(Exception.class, () -> parse(json));
        int line = e instanceof ParsingException p ? p.getLineNumber() : ((XContentParseException) e).getLineNumber();
        int column =
                e instanceof ParsingException p ? p.getColumnNumber() : ((XContentParseException) e).getColumnNumber();
        assertEquals(e.toString(), 1, line);
        assertThat(e.toString(), column, greaterThan(0));
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            messages.append(cause.getMessage()).append('\n');
        }
        assertThat(messages.toString(), containsString(message));
    }

    @Test
    public void withoutAModelItUsesTheDefaultAndSaysNothingOfOne() throws Exception {
        CrossEncoderRescorerBuilder builder = parse("{\"query_text\":\"q\",\"fields\":[\"a\"]}");
        assertEquals(ModelSelection.DEFAULT, builder.selection());
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
        CrossEncoderRescorerBuilder builder = new CrossEncoderRescorerBuilder(
                () -> null, new ShardSearches(), ModelSelection.of("m", null, null), "q", List.of("a"));
        for (int windowSize : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertThat(
                    assertThrows(IllegalArgumentException.class, () -> builder.windowSize(windowSize))
                            .getMessage(),
                    containsString("[cross_encoder] [window_size] must be at least 1, got [" + windowSize + "]"));
        }
        assertEquals(1, (int) builder.windowSize(1).windowSize());
    }
}
