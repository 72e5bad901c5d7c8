/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.io.IOException;
import java.util.Objects;
import org.crossencoder.opensearch.ranking.VisibleText;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.search.SearchExtBuilder;

/** {@code "ext": {"cross_encoder": {"query_text": "..."}}}: the query text for the cross-encoder search processors. */
public final class CrossEncoderSearchExt extends SearchExtBuilder {

    public static final String NAME = "cross_encoder";
    static final ParseField QUERY_TEXT = new ParseField("query_text");

    private static final ObjectParser<CrossEncoderSearchExt, Void> PARSER =
            new ObjectParser<>(NAME, CrossEncoderSearchExt::new);

    static {
        PARSER.declareString((ext, v) -> ext.queryText = v, QUERY_TEXT);
    }

    private String queryText;

    private CrossEncoderSearchExt() {}

    public CrossEncoderSearchExt(String queryText) {
        this.queryText = queryText;
    }

    public CrossEncoderSearchExt(StreamInput in) throws IOException {
        this.queryText = in.readString();
    }

    public static CrossEncoderSearchExt fromXContent(XContentParser parser) throws IOException {
        CrossEncoderSearchExt ext = PARSER.parse(parser, null);
        if (VisibleText.isBlank(ext.queryText)) {
            throw new IllegalArgumentException("[ext.cross_encoder] requires a non-empty [query_text]"
                    + " (one with a visible character, not only white space or zero-width characters)");
        }
        return ext;
    }

    public String queryText() {
        return queryText;
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(queryText);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.startObject(NAME)
                .field(QUERY_TEXT.getPreferredName(), queryText)
                .endObject();
    }

    @Override
    public int hashCode() {
        return Objects.hash(queryText);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof CrossEncoderSearchExt other && Objects.equals(queryText, other.queryText);
    }
}
