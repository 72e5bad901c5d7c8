/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.Map;
import org.opensearch.common.CheckedFunction;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.xcontent.DeprecationHandler;
import org.opensearch.core.xcontent.NamedXContentRegistry;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

/**
 * Reads an option object of a search processor's configuration (a map) with the parser a request's JSON goes through,
 * so that both say the same of the same mistake.
 */
final class OptionMaps {

    private OptionMaps() {}

    /** {@code parse} run on {@code map} as JSON, the parser on the object's opening brace. */
    static <T> T parse(Map<?, ?> map, CheckedFunction<XContentParser, T, IOException> parse) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> options = (Map<String, Object>) map;
        try (XContentBuilder json = JsonXContent.contentBuilder().map(options);
                XContentParser parser = JsonXContent.jsonXContent.createParser(
                        NamedXContentRegistry.EMPTY, DeprecationHandler.THROW_UNSUPPORTED_OPERATION, json.toString())) {
            parser.nextToken();
            return parse.apply(parser);
        }
    }
}
