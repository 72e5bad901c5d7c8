/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.io.IOException;
import java.util.Objects;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ConstructingObjectParser;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.search.SearchExtBuilder;

/**
 * Tells the client, in the response's {@code ext}, that hits of the page kept their first-stage order, how many, and why:
 * <pre>
 * "ext": { "cross_encoder_reranking": { "reranked": false, "kind": "...", "reason": "...", "not_reranked_hits": 10 } }
 * </pre>
 * The kind is {@code sorted_search} (a search sorted by a field keeps its order through {@code cross_encoder_rerank}),
 * or the {@code FailureKind} of a reranker failure that {@code allow_reranker_failures} let the search survive: on the
 * coordinating node for the response processor, or on some shards for a rescore (then only their hits count).
 */
public final class NotRerankedExt extends SearchExtBuilder {

    public static final String NAME = "cross_encoder_reranking";
    static final String SORTED_SEARCH = "sorted_search";

    private static final ParseField RERANKED = new ParseField("reranked");
    private static final ParseField KIND = new ParseField("kind");
    private static final ParseField REASON = new ParseField("reason");
    private static final ParseField NOT_RERANKED_HITS = new ParseField("not_reranked_hits");

    private static final ConstructingObjectParser<NotRerankedExt, Void> PARSER = new ConstructingObjectParser<>(
            NAME, args -> new NotRerankedExt((String) args[0], (String) args[1], (Integer) args[2]));

    static {
        PARSER.declareBoolean((ext, reranked) -> {}, RERANKED);
        PARSER.declareString(ConstructingObjectParser.constructorArg(), KIND);
        PARSER.declareString(ConstructingObjectParser.constructorArg(), REASON);
        PARSER.declareInt(ConstructingObjectParser.constructorArg(), NOT_RERANKED_HITS);
    }

    private final String kind;
    private final String reason;
    private final int notRerankedHits;

    public NotRerankedExt(String kind, String reason, int notRerankedHits) {
        this.kind = Objects.requireNonNull(kind);
        this.reason = Objects.requireNonNull(reason);
        this.notRerankedHits = notRerankedHits;
    }

    public NotRerankedExt(StreamInput in) throws IOException {
        this(in.readString(), in.readString(), in.readVInt());
    }

    public static NotRerankedExt fromXContent(XContentParser parser) throws IOException {
        return PARSER.parse(parser, null);
    }

    public String kind() {
        return kind;
    }

    public String reason() {
        return reason;
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(kind);
        out.writeString(reason);
        out.writeVInt(notRerankedHits);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.startObject(NAME)
                .field(RERANKED.getPreferredName(), false)
                .field(KIND.getPreferredName(), kind)
                .field(REASON.getPreferredName(), reason)
                .field(NOT_RERANKED_HITS.getPreferredName(), notRerankedHits)
                .endObject();
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof NotRerankedExt other
                && kind.equals(other.kind)
                && reason.equals(other.reason)
                && notRerankedHits == other.notRerankedHits;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, reason, notRerankedHits);
    }
}
