/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.util.Map;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.crossencoder.opensearch.engine.ModelInference;
import org.junit.Test;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.test.OpenSearchTestCase;

/** The {@code passage_windows} option: parsing, what a request resolves to with a model, and how scores combine. */
public class PassageWindowsTests extends OpenSearchTestCase {

    private static final ModelConfig MODEL = new ModelConfig(512, ModelConfig.Truncation.LONGEST_FIRST, null);

    private static PassageWindows parse(String json) throws IOException {
        try (XContentParser parser = JsonXContent.jsonXContent.createParser(
                NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json)) {
            parser.nextToken();
            return PassageWindows.parse(parser);
        }
    }

    @Test
    public void parsesTrueFalseAndOptions() throws Exception {
        assertEquals(PassageWindows.ON, parse("true"));
        assertEquals(PassageWindows.OFF, parse("false"));
        assertEquals(
                new PassageWindows(true, 128, 32, 4, PassageWindows.Combine.MEAN, true),
                parse("{\"length\":128,\"stride\":32,\"max_windows\":4,\"combine\":\"mean\",\"return_best\":true}"));
        assertEquals(
                new PassageWindows(true, 100, null, null, null, null), PassageWindows.fromMap(Map.of("length", 100)));
        assertEquals(PassageWindows.OFF, PassageWindows.fromMap(false));
    }

    @Test
    public void refusesWhatCannotWork() {
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> parse("{\"length\":64,\"stride\":64}"))
                        .getMessage(),
                containsString(
                        "[passage_windows] [stride] is the number of tokens consecutive windows share and must be "
                                + "less than [length]: got [64] for windows of [64]"));
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> parse("{\"length\":0}"))
                        .getMessage(),
                containsString("[passage_windows] [length] must be at least [1] but was [0]"));
        assertThat(
                assertThrows(Exception.class, () -> parse("{\"combine\":\"sum\"}"))
                        .getCause()
                        .getMessage(),
                containsString("[passage_windows.combine] must be one of [max, first, mean] but was [sum]"));
        assertThat(assertThrows(Exception.class, () -> parse("{\"size\":3}")).getMessage(), containsString("size"));
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> parse("12")).getMessage(),
                containsString("[passage_windows] must be true, false or an object of options"));
        assertThat(
                assertThrows(IllegalArgumentException.class, () -> PassageWindows.fromMap("yes"))
                        .getMessage(),
                containsString("[passage_windows] must be true, false or an object of options, got [yes]"));
        assertThat(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> MODEL.windows(new PassageWindows(true, 512, null, null, null, null)))
                        .getMessage(),
                containsString("[passage_windows] [length] is [512] tokens, and the model reads at most [512]"));
        assertThat(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> PassageWindows.resolve(
                                        new PassageWindows(true, 10, null, null, null, null),
                                        new PassageWindows(true, null, 20, null, null, null),
                                        512))
                        .getMessage(),
                containsString("[passage_windows] [stride] [20] must be less than the windows' [length] [10]"));
    }

    @Test
    public void resolvesAgainstTheModelsDefaults() {
        assertNull("off unless asked", MODEL.windows(null));
        assertEquals(
                new PassageWindows.Resolved(256, 64, 8, PassageWindows.Combine.MAX, false),
                MODEL.windows(PassageWindows.ON));
        ModelConfig withDefault = new ModelConfig(
                512,
                ModelConfig.Truncation.LONGEST_FIRST,
                null,
                new PassageWindows(true, 100, null, 3, PassageWindows.Combine.FIRST, null),
                Calibration.NONE,
                false,
                null,
                ModelConfig.DEFAULT_RELEVANT_LABEL,
                ModelInference.NODE);
        assertEquals(
                "the model's default applies to a request that says nothing",
                new PassageWindows.Resolved(100, 25, 3, PassageWindows.Combine.FIRST, false),
                withDefault.windows(null));
        assertEquals(
                "a request's options override the default's one by one",
                new PassageWindows.Resolved(100, 25, 2, PassageWindows.Combine.FIRST, true),
                withDefault.windows(new PassageWindows(true, null, null, 2, null, true)));
        assertNull("false turns the default off", withDefault.windows(PassageWindows.OFF));
    }

    @Test
    public void combinesWindowScores() {
        float[] scores = {1f, 4f, -2f, 4f};
        assertEquals(4f, PassageWindows.Combine.MAX.combine(scores), 0f);
        assertEquals(1f, PassageWindows.Combine.FIRST.combine(scores), 0f);
        assertEquals(1.75f, PassageWindows.Combine.MEAN.combine(scores), 1e-6f);
        assertEquals("the first of equals is the best", 1, PassageWindows.best(scores));
    }
}
