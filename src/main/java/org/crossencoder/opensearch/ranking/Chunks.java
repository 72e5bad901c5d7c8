/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.opensearch.common.Nullable;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

/**
 * The {@code chunks} option: a document stored as chunks (an array of strings, or nested objects holding a chunk's
 * text) is read chunk by chunk. Each value of {@code field} is its own passage, the first {@code max_chunks} are
 * scored against the query, and their scores {@code combine} into the document's. A chunked document is a passage the
 * document split already: its chunks take the place of {@link PassageWindows}' windows (and a chunk longer than a
 * window is itself read in windows when those are on). {@code inner_hits} keeps only the chunk objects a nested first
 * stage matched, which only the response processor knows (after the fetch phase).
 */
public record Chunks(
        String field,
        @Nullable PassageWindows.Combine combine,
        @Nullable Integer maxChunks,
        @Nullable String innerHits,
        @Nullable Boolean returnBest)
        implements Writeable, ToXContentFragment {

    public static final String NAME = "chunks";
    static final int DEFAULT_MAX_CHUNKS = 32;
    /** Each chunk is a model pass per hit; more than this is a request to refuse, not to plan. */
    public static final int MAX_MAX_CHUNKS = 1024;

    public static final ParseField FIELD = new ParseField("field");
    public static final ParseField COMBINE = new ParseField("combine");
    public static final ParseField MAX_CHUNKS = new ParseField("max_chunks");
    public static final ParseField INNER_HITS = new ParseField("inner_hits");
    public static final ParseField RETURN_BEST = new ParseField("return_best");

    private static final class Builder {
        String field;
        PassageWindows.Combine combine;
        Integer maxChunks;
        String innerHits;
        Boolean returnBest;
    }

    private static final ObjectParser<Builder, Void> PARSER = new ObjectParser<>(NAME, Builder::new);

    static {
        PARSER.declareString((b, v) -> b.field = v, FIELD);
        PARSER.declareString((b, v) -> b.combine = PassageWindows.Combine.fromString(NAME + ".combine", v), COMBINE);
        PARSER.declareInt((b, v) -> b.maxChunks = v, MAX_CHUNKS);
        PARSER.declareString((b, v) -> b.innerHits = v, INNER_HITS);
        PARSER.declareBoolean((b, v) -> b.returnBest = v, RETURN_BEST);
    }

    public Chunks {
        if (field == null || VisibleText.isBlank(field)) {
            throw new IllegalArgumentException("[" + NAME + "] requires [field]: the field whose values are the "
                    + "document's chunks (an array of strings, or a path into nested objects such as [chunks.text])");
        }
        if (maxChunks != null && (maxChunks < 1 || maxChunks > MAX_MAX_CHUNKS)) {
            throw new IllegalArgumentException("[" + NAME + "] [max_chunks] must be between [1] and [" + MAX_MAX_CHUNKS
                    + "] but was [" + maxChunks + "]");
        }
        if (innerHits != null && VisibleText.isBlank(innerHits)) {
            throw new IllegalArgumentException("[" + NAME + "] [inner_hits] must name the first stage's inner hits");
        }
    }

    /** The chunks of {@code field}, every other option at its default. */
    public static Chunks of(String field) {
        return new Chunks(field, null, null, null, null);
    }

    /** The object of options at the parser's current token. */
    public static Chunks parse(XContentParser parser) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException(
                    "[" + NAME + "] must be an object of options, got [" + parser.currentToken() + "]");
        }
        Builder b = PARSER.parse(parser, null);
        return new Chunks(b.field, b.combine, b.maxChunks, b.innerHits, b.returnBest);
    }

    /** As {@link #parse}, from a search processor's configuration value. */
    public static Chunks fromMap(Object value) throws IOException {
        if (value instanceof Map<?, ?> map) {
            return OptionMaps.parse(map, Chunks::parse);
        }
        throw new IllegalArgumentException("[" + NAME + "] must be an object of options, got [" + value + "]");
    }

    public PassageWindows.Combine combineOrDefault() {
        return combine == null ? PassageWindows.Combine.MAX : combine;
    }

    public int maxChunksOrDefault() {
        return maxChunks == null ? DEFAULT_MAX_CHUNKS : maxChunks;
    }

    /** Each hit shows its best chunk unless the request says {@code false}. */
    public boolean returnBestOrDefault() {
        return returnBest == null || returnBest;
    }

    /**
     * The fields a request reads: its {@code fields}, or with {@code chunks} the chunk field alone. A request that
     * names other fields beside {@code chunks} is refused, as their text would be ignored.
     */
    public static List<String> fieldsToRead(@Nullable List<String> fields, @Nullable Chunks chunks) {
        if (chunks == null) {
            return fields;
        }
        if (fields == null || fields.isEmpty() || fields.equals(List.of(chunks.field()))) {
            return List.of(chunks.field());
        }
        throw new IllegalArgumentException("[" + NAME + "] reads each document's text from its [field] ["
                + chunks.field() + "], so [fields] " + fields + " cannot be read with it: leave [fields] out");
    }

    /** A 400 for a way in that scores before the fetch phase, where the first stage's inner hits are not known yet. */
    public void refuseInnerHits(String where) {
        if (innerHits != null) {
            throw new IllegalArgumentException("[" + NAME + "] [inner_hits] works only where the hits' inner hits are "
                    + "known, after the fetch phase: in the [cross_encoder_rerank] search response processor with "
                    + "[score_on] [coordinator]; " + where + " scores before that, so drop [inner_hits] there");
        }
    }

    public Chunks(StreamInput in) throws IOException {
        this(
                in.readString(),
                in.readBoolean() ? in.readEnum(PassageWindows.Combine.class) : null,
                in.readOptionalVInt(),
                in.readOptionalString(),
                in.readOptionalBoolean());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(field);
        out.writeBoolean(combine != null);
        if (combine != null) {
            out.writeEnum(combine);
        }
        out.writeOptionalVInt(maxChunks);
        out.writeOptionalString(innerHits);
        out.writeOptionalBoolean(returnBest);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        builder.field(FIELD.getPreferredName(), field);
        if (combine != null) {
            builder.field(COMBINE.getPreferredName(), combine.toString());
        }
        if (maxChunks != null) {
            builder.field(MAX_CHUNKS.getPreferredName(), maxChunks);
        }
        if (innerHits != null) {
            builder.field(INNER_HITS.getPreferredName(), innerHits);
        }
        if (returnBest != null) {
            builder.field(RETURN_BEST.getPreferredName(), returnBest);
        }
        return builder.endObject();
    }
}
