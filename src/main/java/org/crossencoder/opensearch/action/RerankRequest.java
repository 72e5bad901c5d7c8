/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import static org.opensearch.action.ValidateActions.addValidationError;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.crossencoder.opensearch.engine.ModelWorkTask;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.VisibleText;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.common.Nullable;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.ObjectParser.ValueType;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.tasks.Task;

/**
 * {@code POST _plugins/cross_encoder/_rerank}: a model, a query text, and either {@code texts} or
 * {@code documents} (objects) with the {@code fields} to read from them, joined as the rescorer joins them.
 * Its length is its options, each read from JSON and the wire and checked with the error a user needs.
 */
public final class RerankRequest extends ActionRequest {

    static final ParseField QUERY_TEXT = new ParseField("query_text");
    static final ParseField TEXTS = new ParseField("texts");
    static final ParseField DOCUMENTS = new ParseField("documents");
    static final ParseField FIELDS = new ParseField("fields");
    static final ParseField TOP_N = new ParseField("top_n");
    static final ParseField TIMEOUT = new ParseField("timeout");
    static final ParseField PASSAGE_WINDOWS = new ParseField(PassageWindows.NAME);
    static final ParseField MIN_SCORE = new ParseField("min_score");
    static final ParseField CHUNKS = new ParseField(Chunks.NAME);

    private static final ObjectParser<RerankRequest, Void> PARSER = new ObjectParser<>("rerank", RerankRequest::new);

    static {
        PARSER.declareField(
                (r, v) -> r.model = v,
                p -> strictString(p, ModelSelection.MODEL),
                ModelSelection.MODEL,
                ValueType.VALUE);
        PARSER.declareField((r, v) -> r.models = v, (p, c) -> p.list(), ModelSelection.MODELS, ValueType.OBJECT_ARRAY);
        PARSER.declareBoolean((r, v) -> r.probability = v, ModelSelection.PROBABILITY);
        PARSER.declareFloat((r, v) -> r.minScore = v, MIN_SCORE);
        PARSER.declareField((r, v) -> r.queryText = v, p -> strictString(p, QUERY_TEXT), QUERY_TEXT, ValueType.VALUE);
        PARSER.declareField((r, v) -> r.texts = v, p -> strictStrings(p, TEXTS), TEXTS, ValueType.VALUE_ARRAY);
        PARSER.declareField(
                (r, v) -> r.documents = v, RerankRequest::strictDocuments, DOCUMENTS, ValueType.OBJECT_ARRAY);
        PARSER.declareField((r, v) -> r.fields = v, p -> strictStrings(p, FIELDS), FIELDS, ValueType.VALUE_ARRAY);
        PARSER.declareInt((r, v) -> r.topN = v, TOP_N);
        PARSER.declareField(
                (r, v) -> r.timeout = v,
                (p, c) -> TimeValue.parseTimeValue(p.text(), TIMEOUT.getPreferredName()),
                TIMEOUT,
                ValueType.STRING);
        PARSER.declareField(
                (r, v) -> r.passageWindows = v,
                (p, c) -> PassageWindows.parse(p),
                PASSAGE_WINDOWS,
                ValueType.OBJECT_OR_BOOLEAN);
        PARSER.declareField((r, v) -> r.chunks = v, (p, c) -> Chunks.parse(p), CHUNKS, ValueType.OBJECT);
    }

    /** A JSON string and nothing else: a number or boolean where text belongs is a client's mistake, not text. */
    private static String strictString(XContentParser parser, ParseField field) throws IOException {
        if (parser.currentToken() != XContentParser.Token.VALUE_STRING) {
            throw new ParsingException(
                    parser.getTokenLocation(),
                    "[rerank] [" + field.getPreferredName() + "] must be a string, got "
                            + describe(parser.currentToken()));
        }
        return parser.text();
    }

    private static List<String> strictStrings(XContentParser parser, ParseField field) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new ParsingException(
                    parser.getTokenLocation(),
                    "[rerank] [" + field.getPreferredName() + "] must be an array of strings, got "
                            + describe(parser.currentToken()));
        }
        List<String> values = new ArrayList<>();
        while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
            if (parser.currentToken() != XContentParser.Token.VALUE_STRING) {
                throw new ParsingException(
                        parser.getTokenLocation(),
                        "[rerank] [" + field.getPreferredName() + "] must hold only strings; entry [" + values.size()
                                + "] is " + describe(parser.currentToken()));
            }
            values.add(parser.text());
        }
        return values;
    }

    private static List<Map<String, Object>> strictDocuments(XContentParser parser) throws IOException {
        if (parser.currentToken() != XContentParser.Token.START_ARRAY) {
            throw new ParsingException(
                    parser.getTokenLocation(),
                    "[rerank] [documents] must be an array of objects, got " + describe(parser.currentToken()));
        }
        List<Map<String, Object>> documents = new ArrayList<>();
        while (parser.nextToken() != XContentParser.Token.END_ARRAY) {
            if (parser.currentToken() != XContentParser.Token.START_OBJECT) {
                throw new ParsingException(
                        parser.getTokenLocation(),
                        "[rerank] [documents] must hold only objects; entry [" + documents.size() + "] is "
                                + describe(parser.currentToken()));
            }
            documents.add(parser.map());
        }
        return documents;
    }

    private static String describe(XContentParser.Token token) {
        return switch (token) {
            case VALUE_NUMBER -> "a number";
            case VALUE_BOOLEAN -> "a boolean";
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            default -> "a string";
        };
    }

    /** As parsed; {@link #fromXContent} makes them the selection. */
    private String model;

    private List<Object> models;
    private Boolean probability;
    private ModelSelection selection = ModelSelection.DEFAULT;
    private Float minScore;
    private String queryText;
    private List<String> texts;
    private List<Map<String, Object>> documents;
    private List<String> fields;
    private Integer topN;
    private TimeValue timeout;
    private PassageWindows passageWindows;

    @Nullable
    private Chunks chunks;
    /** With {@link #chunks}: each document's chunks, in document order (blank ones left out). */
    @Nullable
    private List<List<String>> chunked;

    private RerankRequest() {}

    public RerankRequest(
            ModelSelection selection, String queryText, List<String> texts, Integer topN, TimeValue timeout) {
        this.selection = selection;
        this.queryText = queryText;
        this.texts = texts;
        this.topN = topN;
        this.timeout = timeout;
    }

    public RerankRequest(StreamInput in) throws IOException {
        super(in);
        selection = new ModelSelection(in);
        minScore = in.readOptionalFloat();
        queryText = in.readString();
        texts = in.readStringList();
        topN = in.readOptionalVInt();
        timeout = in.readOptionalTimeValue();
        passageWindows = in.readOptionalWriteable(PassageWindows::new);
        chunks = in.readOptionalWriteable(Chunks::new);
        chunked = chunks == null ? null : in.readList(StreamInput::readStringList);
    }

    /** Parses the body; documents become texts here, so only texts travel on the wire. */
    public static RerankRequest fromXContent(XContentParser parser) throws IOException {
        RerankRequest request = PARSER.parse(parser, null);
        // As _search does: a second JSON value after the body is a client's mistake, not something to ignore.
        XContentParser.Token trailing = parser.nextToken();
        if (trailing != null) {
            throw new ParsingException(
                    parser.getTokenLocation(), "Unexpected token [" + trailing + "] found after the main object.");
        }
        request.selection = ModelSelection.of(request.model, request.models, request.probability);
        request.model = null;
        request.models = null;
        if (request.minScore != null && Float.isFinite(request.minScore) == false) {
            throw new IllegalArgumentException("[rerank] [min_score] must be a finite number");
        }
        if (request.chunks != null) {
            request.readChunks();
        } else if (request.documents != null) {
            if (request.texts != null) {
                throw new IllegalArgumentException("[rerank] takes [texts] or [documents], not both");
            }
            if (request.fields == null || request.fields.isEmpty()) {
                throw new IllegalArgumentException(
                        "[rerank] [documents] need [fields]: the fields whose text the model reads");
            }
            PassageReader reader = PassageReader.ofSourceFields(request.fields);
            request.texts = new ArrayList<>(request.documents.size());
            for (Map<String, Object> document : request.documents) {
                String text = reader.passage(document);
                if (text.isEmpty()) {
                    throw new IllegalArgumentException("[rerank] document [" + request.texts.size()
                            + "] has no text in any of the [fields] " + request.fields);
                }
                request.texts.add(text);
            }
            request.documents = null;
        } else if (request.fields != null) {
            throw new IllegalArgumentException("[rerank] [fields] go with [documents]");
        }
        return request;
    }

    /** With {@code chunks}: each document's chunks, the values of the chunk field; texts are the chunks joined. */
    private void readChunks() {
        chunks.refuseInnerHits("[rerank] has no first stage and");
        if (documents == null) {
            throw new IllegalArgumentException("[rerank] [" + Chunks.NAME + "] reads [documents]: give each document's "
                    + "chunks in its field [" + chunks.field() + "], as an array of strings or of objects");
        }
        if (texts != null) {
            throw new IllegalArgumentException("[rerank] takes [texts] or [documents], not both");
        }
        PassageReader reader = PassageReader.ofSourceFields(Chunks.fieldsToRead(fields, chunks));
        texts = new ArrayList<>(documents.size());
        chunked = new ArrayList<>(documents.size());
        for (Map<String, Object> document : documents) {
            PassageReader.Passage passage = reader.read(document);
            if (passage.text().isEmpty()) {
                throw new IllegalArgumentException(
                        "[rerank] document [" + texts.size() + "] has no chunk in [" + chunks.field() + "]");
            }
            texts.add(passage.text());
            chunked.add(passage.values());
        }
        documents = null;
        fields = null;
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        if (VisibleText.isBlank(queryText)) {
            e = addValidationError(
                    "[query_text] is required (with a visible character, not only white space or zero-width characters)",
                    e);
        }
        if (texts == null || texts.isEmpty()) {
            e = addValidationError("[texts] or [documents] must hold at least one entry", e);
        }
        if (topN != null && topN < 1) {
            e = addValidationError("[top_n] must be at least 1", e);
        }
        return e;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        selection.writeTo(out);
        out.writeOptionalFloat(minScore);
        out.writeString(queryText);
        out.writeStringCollection(texts);
        out.writeOptionalVInt(topN);
        out.writeOptionalTimeValue(timeout);
        out.writeOptionalWriteable(passageWindows);
        out.writeOptionalWriteable(chunks);
        if (chunks != null) {
            out.writeCollection(chunked, StreamOutput::writeStringCollection);
        }
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof RerankRequest other
                && selection.equals(other.selection)
                && Objects.equals(minScore, other.minScore)
                && Objects.equals(queryText, other.queryText)
                && Objects.equals(texts, other.texts)
                && Objects.equals(topN, other.topN)
                && Objects.equals(timeout, other.timeout)
                && Objects.equals(passageWindows, other.passageWindows)
                && Objects.equals(chunks, other.chunks)
                && Objects.equals(chunked, other.chunked);
    }

    @Override
    public int hashCode() {
        return Objects.hash(selection, minScore, queryText, texts, topN, timeout, passageWindows, chunks, chunked);
    }

    /** Cancellable, so that {@code _tasks/_cancel} or a client that goes away stops the model work. */
    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new ModelWorkTask(id, type, action, getDescription(), parentTaskId, headers, false);
    }

    @Override
    public String getDescription() {
        return "rerank [" + (texts == null ? 0 : texts.size()) + "] texts with " + selection;
    }

    /** The models to rerank with. */
    public ModelSelection selection() {
        return selection;
    }

    /** Results scoring below it are left out; null: none are. */
    @Nullable
    public Float minScore() {
        return minScore;
    }

    public RerankRequest minScore(Float minScore) {
        this.minScore = minScore;
        return this;
    }

    public String queryText() {
        return queryText;
    }

    public List<String> texts() {
        return texts;
    }

    /** How long the model may work on it; the texts not scored by then come last, unscored. Null for no limit. */
    public TimeValue timeout() {
        return timeout;
    }

    /** Reads the texts in windows; null: as the model's {@code cross-encoder.json} says. */
    public PassageWindows passageWindows() {
        return passageWindows;
    }

    public RerankRequest passageWindows(PassageWindows passageWindows) {
        this.passageWindows = passageWindows;
        return this;
    }

    /** How documents split into chunks are read; null when each text is one passage. */
    @Nullable
    public Chunks chunks() {
        return chunks;
    }

    /** Reads documents given as their chunks (blank ones left out), each scored as {@code chunks} says. */
    public RerankRequest chunked(Chunks chunks, List<List<String>> documents) {
        this.chunks = chunks;
        this.chunked = documents.stream().map(List::copyOf).toList();
        this.texts = chunked.stream().map(c -> String.join(" ", c)).toList();
        return this;
    }

    /** With {@link #chunks()}, what the model reads: each document's chunks. */
    public List<PassageReader.Passage> passages() {
        return chunked.stream().map(PassageReader.Passage::ofChunks).toList();
    }

    /** How many results to return, best first; all when not set. */
    public Integer topN() {
        return topN;
    }
}
