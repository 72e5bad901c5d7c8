package org.crossencoder.opensearch.action;

import org.crossencoder.opensearch.rescore.PassageReader;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentParser;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.opensearch.action.ValidateActions.addValidationError;

/**
 * {@code POST _plugins/cross_encoder/_rerank}: a model, a query text, and either {@code texts} or
 * {@code documents} (objects) with the {@code fields} to read from them, joined as the rescorer joins them.
 */
public final class RerankRequest extends ActionRequest {

    static final ParseField MODEL = new ParseField("model");
    static final ParseField QUERY_TEXT = new ParseField("query_text");
    static final ParseField TEXTS = new ParseField("texts");
    static final ParseField DOCUMENTS = new ParseField("documents");
    static final ParseField FIELDS = new ParseField("fields");
    static final ParseField TOP_N = new ParseField("top_n");

    private static final ObjectParser<RerankRequest, Void> PARSER = new ObjectParser<>("rerank", RerankRequest::new);
    static {
        PARSER.declareString((r, v) -> r.model = v, MODEL);
        PARSER.declareString((r, v) -> r.queryText = v, QUERY_TEXT);
        PARSER.declareStringArray((r, v) -> r.texts = v, TEXTS);
        PARSER.declareObjectArray((r, v) -> r.documents = v, (p, c) -> p.map(), DOCUMENTS);
        PARSER.declareStringArray((r, v) -> r.fields = v, FIELDS);
        PARSER.declareInt((r, v) -> r.topN = v, TOP_N);
    }

    private String model;
    private String queryText;
    private List<String> texts;
    private List<Map<String, Object>> documents;
    private List<String> fields;
    private Integer topN;

    private RerankRequest() {}

    public RerankRequest(String model, String queryText, List<String> texts, Integer topN) {
        this.model = model;
        this.queryText = queryText;
        this.texts = texts;
        this.topN = topN;
    }

    public RerankRequest(StreamInput in) throws IOException {
        super(in);
        model = in.readString();
        queryText = in.readString();
        texts = in.readStringList();
        topN = in.readOptionalVInt();
    }

    /** Parses the body; documents become texts here, so only texts travel on the wire. */
    public static RerankRequest fromXContent(XContentParser parser) throws IOException {
        RerankRequest request = PARSER.parse(parser, null);
        if (request.documents != null) {
            if (request.texts != null) {
                throw new IllegalArgumentException("[rerank] takes [texts] or [documents], not both");
            }
            if (request.fields == null || request.fields.isEmpty()) {
                throw new IllegalArgumentException("[rerank] [documents] need [fields]: the fields whose text the model reads");
            }
            PassageReader reader = new PassageReader(request.fields.stream().map(List::of).toList());
            request.texts = new ArrayList<>(request.documents.size());
            for (Map<String, Object> document : request.documents) {
                request.texts.add(reader.passage(document));
            }
            request.documents = null;
        } else if (request.fields != null) {
            throw new IllegalArgumentException("[rerank] [fields] go with [documents]");
        }
        return request;
    }

    @Override
    public ActionRequestValidationException validate() {
        ActionRequestValidationException e = null;
        if (model == null || model.isBlank()) {
            e = addValidationError("[model] is required", e);
        }
        if (queryText == null || queryText.isBlank()) {
            e = addValidationError("[query_text] is required", e);
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
        out.writeString(model);
        out.writeString(queryText);
        out.writeStringCollection(texts);
        out.writeOptionalVInt(topN);
    }

    public String model() {
        return model;
    }

    public String queryText() {
        return queryText;
    }

    public List<String> texts() {
        return texts;
    }

    /** How many results to return, best first; all when not set. */
    public Integer topN() {
        return topN;
    }
}
