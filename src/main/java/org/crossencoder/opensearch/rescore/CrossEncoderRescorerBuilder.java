/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import static org.opensearch.core.xcontent.ConstructingObjectParser.constructorArg;
import static org.opensearch.core.xcontent.ConstructingObjectParser.optionalConstructorArg;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreMode;
import org.crossencoder.opensearch.ranking.VisibleText;
import org.crossencoder.opensearch.registry.ExternalModels;
import org.crossencoder.opensearch.scoring.FailureKind;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.crossencoder.opensearch.scoring.ScoringPlan;
import org.crossencoder.opensearch.scoring.ScoringRequest;
import org.opensearch.core.ParseField;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.common.ParsingException;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ConstructingObjectParser;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentLocation;
import org.opensearch.core.xcontent.XContentParseException;
import org.opensearch.core.xcontent.XContentParser;
import org.opensearch.index.mapper.MappedFieldType;
import org.opensearch.index.query.QueryRewriteContext;
import org.opensearch.index.query.QueryShardContext;
import org.opensearch.search.rescore.RescoreContext;
import org.opensearch.search.rescore.RescorerBuilder;

/**
 * The {@code cross_encoder} rescorer of a search request:
 * <pre>
 * "rescore": { "window_size": 100,
 *   "cross_encoder": { "model": "ms-marco-MiniLM-L-6-v2", "query_text": "...", "fields": ["title", "passage"],
 *                      "score_mode": "interpolate", "normalization": "min_max", "weight": 0.5,
 *                      "passage_windows": { "length": 256, "stride": 64, "max_windows": 8, "combine": "max" } } }
 * </pre>
 * or {@code "models": ["a", {"model": "b", "weight": 2}]} for an ensemble, and {@code "probability": true} for
 * calibrated probabilities ({@link ModelSelection}). The score options a request leaves out come from the model's
 * default blend, else the plugin's ({@link BlendOptions}). A rescore runs on each shard and cannot drop hits, so it refuses
 * {@code min_score}, which the {@code cross_encoder_rerank} response processor and {@code _rerank} take.
 * <p>
 * Longer than most classes here as OpenSearch's own query and rescorer builders are: one option list read four
 * ways (parser, wire, XContent, equality), and the rewrite that pins the models on the coordinating node.
 */
public final class CrossEncoderRescorerBuilder extends RescorerBuilder<CrossEncoderRescorerBuilder> {

    public static final String NAME = "cross_encoder";

    /** Field types whose {@code _source} values are text a cross-encoder can read. */
    static final Set<String> TEXT_TYPES =
            Set.of("text", "match_only_text", "keyword", "wildcard", "search_as_you_type");

    static final ParseField QUERY_TEXT = new ParseField("query_text");
    static final ParseField FIELDS = new ParseField("fields");
    static final ParseField SCORE_MODE = new ParseField("score_mode");
    static final ParseField QUERY_WEIGHT = new ParseField("query_weight");
    static final ParseField RESCORE_QUERY_WEIGHT = new ParseField("rescore_query_weight");
    static final ParseField NORMALIZATION = new ParseField("normalization");
    static final ParseField WEIGHT = new ParseField("weight");
    static final ParseField PASSAGE_WINDOWS = new ParseField(PassageWindows.NAME);
    static final ParseField MIN_SCORE = new ParseField("min_score");
    static final ParseField CHUNKS = new ParseField(Chunks.NAME);
    public static final ParseField ALLOW_RERANKER_FAILURES = new ParseField("allow_reranker_failures");

    /** What parsing needs beyond the JSON: the node's services, which every builder carries to its shards. */
    private record Services(Supplier<InferenceService> inference, ShardSearches searches) {}

    /** Required values are constructor arguments; an invalid value fails with the location of the clause. */
    private static final ConstructingObjectParser<CrossEncoderRescorerBuilder, Services> PARSER =
            new ConstructingObjectParser<>(NAME, false, (args, services) -> {
                @SuppressWarnings("unchecked")
                List<String> fields = Chunks.fieldsToRead((List<String>) args[2], (Chunks) args[11]);
                if (fields == null) {
                    // As the parser says of a required value: [fields] may be left out only for [chunks].
                    throw new IllegalArgumentException("Required [" + FIELDS.getPreferredName() + "]");
                }
                if (args[10] != null) {
                    throw new IllegalArgumentException("takes no [" + MIN_SCORE.getPreferredName()
                            + "]: a rescore reorders each shard's hits and cannot drop any. To keep only hits scoring at "
                            + "least a threshold, rerank with the [cross_encoder_rerank] search response processor or the "
                            + "_rerank API, which take [" + MIN_SCORE.getPreferredName() + "]");
                }
                return new CrossEncoderRescorerBuilder(
                                services.inference(),
                                services.searches(),
                                ModelSelection.of((String) args[0], args[8], (Boolean) args[9]),
                                (String) args[1],
                                fields,
                                new BlendOptions(
                                        (ScoreMode) args[3],
                                        (Float) args[4],
                                        (Float) args[5],
                                        (Interpolation.Normalization) args[6],
                                        (Float) args[7]))
                        .chunks((Chunks) args[11]);
            });

    static {
        PARSER.declareString(optionalConstructorArg(), ModelSelection.MODEL);
        PARSER.declareString(constructorArg(), QUERY_TEXT);
        PARSER.declareStringArray(optionalConstructorArg(), FIELDS);
        PARSER.declareString(optionalConstructorArg(), ScoreMode::fromString, SCORE_MODE);
        PARSER.declareFloat(optionalConstructorArg(), QUERY_WEIGHT);
        PARSER.declareFloat(optionalConstructorArg(), RESCORE_QUERY_WEIGHT);
        PARSER.declareString(optionalConstructorArg(), Interpolation.Normalization::fromString, NORMALIZATION);
        PARSER.declareFloat(optionalConstructorArg(), WEIGHT);
        PARSER.declareField(
                optionalConstructorArg(),
                (p, c) -> p.list(),
                ModelSelection.MODELS,
                ObjectParser.ValueType.OBJECT_ARRAY);
        PARSER.declareBoolean(optionalConstructorArg(), ModelSelection.PROBABILITY);
        PARSER.declareFloat(optionalConstructorArg(), MIN_SCORE);
        PARSER.declareField(optionalConstructorArg(), (p, c) -> Chunks.parse(p), CHUNKS, ObjectParser.ValueType.OBJECT);
        PARSER.declareField(
                CrossEncoderRescorerBuilder::passageWindows,
                (p, c) -> PassageWindows.parse(p),
                PASSAGE_WINDOWS,
                ObjectParser.ValueType.OBJECT_OR_BOOLEAN);
        PARSER.declareBoolean(CrossEncoderRescorerBuilder::allowRerankerFailures, ALLOW_RERANKER_FAILURES);
    }

    private final Supplier<InferenceService> inference;
    private final ShardSearches searches;
    /** Pinned (each model's fingerprint) once the coordinating node has rewritten the request. */
    private final ModelSelection selection;

    private final String queryText;
    private final List<String> fields;
    /** Resolved with the model's default blend on each shard. */
    private final BlendOptions blend;
    /** Null: as the model's {@code cross-encoder.json} says. */
    private PassageWindows passageWindows;
    /** Null: each document is one passage. */
    private Chunks chunks;
    /** When the model is missing, failed to load, throws or its queue is full: keep the first stage's order. */
    private boolean allowRerankerFailures;
    /** The indices as the search named them (names, aliases, patterns), recorded by the coordinating node. */
    private List<String> searchedIndices = List.of();
    /** The node whose models the selection's fingerprints describe. */
    private final String fingerprintNode;
    /**
     * Set on the copy that asked to check and read its ML Commons models, and kept by its copies: this node's own state,
     * never sent or compared.
     */
    private boolean loadRequested;

    /** A rescore with the model's default blend, else the plugin's. */
    public CrossEncoderRescorerBuilder(
            Supplier<InferenceService> inference,
            ShardSearches searches,
            ModelSelection selection,
            String queryText,
            List<String> fields) {
        this(inference, searches, selection, queryText, fields, BlendOptions.DEFAULT);
    }

    public CrossEncoderRescorerBuilder(
            Supplier<InferenceService> inference,
            ShardSearches searches,
            ModelSelection selection,
            String queryText,
            List<String> fields,
            BlendOptions blend) {
        this(inference, searches, selection, queryText, fields, blend, null);
    }

    private CrossEncoderRescorerBuilder(
            Supplier<InferenceService> inference,
            ShardSearches searches,
            ModelSelection selection,
            String queryText,
            List<String> fields,
            BlendOptions blend,
            String fingerprintNode) {
        this.inference = inference;
        this.searches = searches;
        this.selection = Objects.requireNonNull(selection);
        this.queryText = requireText(queryText, QUERY_TEXT);
        if (fields == null || fields.isEmpty()) {
            throw new IllegalArgumentException(
                    "[" + NAME + "] [" + FIELDS.getPreferredName() + "] must name at least one text field");
        }
        fields.forEach(field -> requireText(field, FIELDS));
        this.fields = List.copyOf(fields);
        this.blend = Objects.requireNonNull(blend);
        this.fingerprintNode = fingerprintNode;
    }

    public CrossEncoderRescorerBuilder(StreamInput in, Supplier<InferenceService> inference, ShardSearches searches)
            throws IOException {
        super(in);
        this.inference = inference;
        this.searches = searches;
        this.selection = new ModelSelection(in);
        this.queryText = in.readString();
        this.fields = in.readStringList();
        this.blend = new BlendOptions(in);
        this.passageWindows = in.readOptionalWriteable(PassageWindows::new);
        this.chunks = in.readOptionalWriteable(Chunks::new);
        this.fingerprintNode = in.readOptionalString();
        this.allowRerankerFailures = in.readBoolean();
        this.searchedIndices = in.readStringList();
    }

    @Override
    protected void doWriteTo(StreamOutput out) throws IOException {
        selection.writeTo(out);
        out.writeString(queryText);
        out.writeStringCollection(fields);
        blend.writeTo(out);
        out.writeOptionalWriteable(passageWindows);
        out.writeOptionalWriteable(chunks);
        out.writeOptionalString(fingerprintNode);
        out.writeBoolean(allowRerankerFailures);
        out.writeStringCollection(searchedIndices);
    }

    public static CrossEncoderRescorerBuilder fromXContent(
            XContentParser parser, Supplier<InferenceService> inference, ShardSearches searches) throws IOException {
        XContentLocation clause = parser.getTokenLocation();
        try {
            return PARSER.parse(parser, new Services(inference, searches));
        } catch (IllegalArgumentException e) {
            if (e instanceof XContentParseException located && located.getLineNumber() >= 0) {
                throw e;
            }
            // What is only found at the clause's end (a required value missing, a value the builder refuses) has no
            // location of its own: report the clause's, with the builder's reason rather than the parser's wrapper.
            Throwable reason = e instanceof XContentParseException && e.getCause() != null ? e.getCause() : e;
            String message = reason.getMessage().startsWith("[" + NAME + "]")
                    ? reason.getMessage()
                    : "[" + NAME + "] " + reason.getMessage();
            throw new ParsingException(clause, message, e);
        }
    }

    @Override
    protected void doXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject(NAME);
        selection.toXContent(builder, params);
        builder.field(QUERY_TEXT.getPreferredName(), queryText);
        builder.field(FIELDS.getPreferredName(), fields);
        blend.toXContent(builder);
        if (passageWindows != null) {
            passageWindows.toXContent(builder, params);
        }
        if (chunks != null) {
            chunks.toXContent(builder, params);
        }
        if (allowRerankerFailures) {
            builder.field(ALLOW_RERANKER_FAILURES.getPreferredName(), true);
        }
        builder.endObject();
    }

    /** Refuses a window that cannot hold a hit: {@code rescore} parsing calls this with the request's {@code window_size}. */
    @Override
    public CrossEncoderRescorerBuilder windowSize(int windowSize) {
        return super.windowSize(requireWindow(windowSize));
    }

    private static int requireWindow(int windowSize) {
        if (windowSize < 1) {
            throw new IllegalArgumentException(
                    "[" + NAME + "] [window_size] must be at least 1, got [" + windowSize + "]");
        }
        return windowSize;
    }

    /**
     * With {@code true}, a shard whose model is missing, failed to load, throws or has a full queue keeps its hits'
     * first-stage order and scores instead of failing, and the response carries a warning saying so.
     */
    public CrossEncoderRescorerBuilder allowRerankerFailures(boolean allow) {
        this.allowRerankerFailures = allow;
        return this;
    }

    public boolean allowRerankerFailures() {
        return allowRerankerFailures;
    }

    /**
     * Records the indices a search names (as the request gives them) on the coordinating node, so that each shard can
     * tell a field its index does not map because other searched indices do (read as empty) from a typo (a 400).
     */
    public CrossEncoderRescorerBuilder searchedIndices(String... indices) {
        this.searchedIndices = List.of(indices);
        return this;
    }

    /** Reads passages in windows (or, with {@link PassageWindows#OFF}, whole despite the model's default). */
    public CrossEncoderRescorerBuilder passageWindows(PassageWindows passageWindows) {
        this.passageWindows = passageWindows;
        return this;
    }

    /**
     * Reads each document chunk by chunk: the values of the chunk field, which must then be the one field the rescore
     * reads. A 400 for {@code inner_hits}, which a shard's rescore cannot know.
     */
    public CrossEncoderRescorerBuilder chunks(Chunks chunks) {
        if (chunks != null) {
            Chunks.fieldsToRead(fields, chunks);
            chunks.refuseInnerHits("the [" + NAME + "] rescore runs on each shard in the query phase and");
        }
        this.chunks = chunks;
        return this;
    }

    public Chunks chunks() {
        return chunks;
    }

    @Override
    protected RescoreContext innerBuildContext(int windowSize, QueryShardContext context) {
        InferenceService service = inference.get();
        try {
            return buildContext(service, windowSize, context);
        } catch (RuntimeException e) {
            if (allowRerankerFailures && FailureKind.isCancellation(e) == false) {
                FailureKind kind = FailureKind.of(e);
                if (kind.fallsBackToFirstStage()) {
                    return CrossEncoderRescoreContext.firstStage(windowSize, service, searches, kind, e);
                }
            }
            service.onFailure(e);
            throw e;
        }
    }

    private RescoreContext buildContext(InferenceService service, int windowSize, QueryShardContext context) {
        ScoringPlan plan = service.planServed(ScoringRequest.of(selection, queryText, "[" + NAME + "]")
                .passages(requireWindow(windowSize), "[" + NAME + "] window_size", "")
                .windows(passageWindows)
                .chunks(chunks)
                .plannedOn(fingerprintNode));
        if (context.getMapperService().documentMapper() != null
                && context.getMapperService().documentMapper().sourceMapper().enabled() == false) {
            throw new IllegalArgumentException("[" + NAME + "] reads text from _source, which is disabled in index ["
                    + context.index().getName() + "]");
        }
        List<List<String>> sourcePaths = new ArrayList<>(fields.size());
        for (String field : fields) {
            if (context.fieldMapper(field) == null && context.getObjectMapper(field) == null) {
                checkUnmappedMayBeRead(field, context.index().getName());
                sourcePaths.add(List.of(field)); // where it would be, should a document hold it unmapped
            } else {
                sourcePaths.add(sourcePaths(field, context));
            }
        }
        return new CrossEncoderRescoreContext(
                windowSize,
                service,
                searches,
                plan,
                fields,
                new PassageReader(fields, sourcePaths),
                plan.ensemble().blend(blend),
                allowRerankerFailures);
    }

    /**
     * A field unmapped in an index the search names alone is most likely a typo: a 400, as for a field of another type.
     * Searched through an alias, a pattern or with other indices, an index may lack a field the others map: its hits
     * read it as empty where their {@code _source} does not hold it ({@code explain} says so of such a hit).
     */
    private void checkUnmappedMayBeRead(String field, String index) {
        if (searchedIndices.size() == 1 && searchedIndices.get(0).equals(index)) {
            throw new IllegalArgumentException("[" + NAME + "] field [" + field + "] is not mapped in index [" + index
                    + "]; [fields] must name text fields");
        }
    }

    /** Where in {@code _source} a mapped field's text lives, after checking that the field is mapped as text. */
    private static List<String> sourcePaths(String field, QueryShardContext context) {
        String index = context.index().getName();
        MappedFieldType fieldType = context.fieldMapper(field);
        if (fieldType == null) {
            throw new IllegalArgumentException("[" + NAME + "] field [" + field + "] is an object in index [" + index
                    + "]; [fields] must name text fields");
        }
        if (TEXT_TYPES.contains(fieldType.typeName()) == false) {
            throw new IllegalArgumentException("["
                    + NAME
                    + "] field ["
                    + field
                    + "] is of type ["
                    + fieldType.typeName()
                    + "] in index ["
                    + index
                    + "]; [fields] must name fields of type "
                    + TEXT_TYPES.stream().sorted().toList());
        }
        return context.sourcePath(field).stream().sorted().toList();
    }

    @Override
    public String getWriteableName() {
        return NAME;
    }

    /**
     * On the coordinating node, pins the models: their names (the default model's, if the request names none) and
     * the fingerprint of this node's files for each. Each shard then checks that it holds the same files, so one
     * search never ranks some shards with another model. A node without every model pins nothing.
     * <p>
     * For an ML Commons model ({@code ml:<model id>}), the user's access to it is checked and a node that does not serve
     * it yet reads it from ML Commons first, on the coordinating node and on each node holding a shard, while the request
     * is rewritten (which may wait). Not when a shard's search context is built: that rewrite cannot wait, and the model
     * was read just before it.
     */
    @Override
    public RescorerBuilder<CrossEncoderRescorerBuilder> rewrite(QueryRewriteContext ctx) {
        InferenceService service = inference.get();
        if (service == null || (selection.isPinned() && ctx.convertToShardContext() != null)) {
            return this;
        }
        // OpenSearch runs the registered check and load after this round of rewrites, then rewrites again (and pins).
        if (loadRequested == false
                && ctx.convertToShardContext() == null
                && service.models().names(selection).stream().anyMatch(ExternalModels::isExternal)) {
            ctx.registerAsyncAction((client, listener) -> service.models()
                    .ensureServedForUser(
                            selection, ActionListener.wrap(served -> listener.onResponse(null), listener::onFailure)));
            // A new object, equal to this one: OpenSearch runs the registered action only for a rewrite that changed.
            CrossEncoderRescorerBuilder loading = copy(selection, fingerprintNode);
            loading.loadRequested = true;
            return loading;
        }
        if (selection.isPinned()) {
            return this;
        }
        ModelSelection pinned = service.models().pin(selection);
        return pinned.isPinned() ? copy(pinned, service.registry().nodeName()) : this;
    }

    private CrossEncoderRescorerBuilder copy(ModelSelection selection, String fingerprintNode) {
        CrossEncoderRescorerBuilder copy = new CrossEncoderRescorerBuilder(
                inference, searches, selection, queryText, fields, blend, fingerprintNode);
        copy.windowSize = windowSize;
        copy.passageWindows = passageWindows;
        copy.chunks = chunks;
        copy.allowRerankerFailures = allowRerankerFailures;
        copy.searchedIndices = searchedIndices;
        copy.loadRequested = loadRequested;
        return copy;
    }

    /** The models named in the request (none: the cluster's default model), pinned once rewritten. */
    public ModelSelection selection() {
        return selection;
    }

    public String queryText() {
        return queryText;
    }

    public List<String> fields() {
        return fields;
    }

    /** The score options as the request gave them. */
    public BlendOptions blend() {
        return blend;
    }

    public PassageWindows passageWindows() {
        return passageWindows;
    }

    private static String requireText(String value, ParseField field) {
        if (VisibleText.isBlank(value)) {
            throw new IllegalArgumentException("[" + NAME + "] requires a non-empty [" + field.getPreferredName()
                    + "] (one with a visible character, not only white space or zero-width characters)");
        }
        return value;
    }

    @Override
    public boolean equals(Object obj) {
        if (super.equals(obj) == false) {
            return false;
        }
        CrossEncoderRescorerBuilder other = (CrossEncoderRescorerBuilder) obj;
        return selection.equals(other.selection)
                && queryText.equals(other.queryText)
                && fields.equals(other.fields)
                && blend.equals(other.blend)
                && Objects.equals(passageWindows, other.passageWindows)
                && Objects.equals(chunks, other.chunks)
                && Objects.equals(fingerprintNode, other.fingerprintNode)
                && allowRerankerFailures == other.allowRerankerFailures
                && searchedIndices.equals(other.searchedIndices);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                super.hashCode(),
                selection,
                queryText,
                fields,
                blend,
                passageWindows,
                chunks,
                fingerprintNode,
                allowRerankerFailures,
                searchedIndices);
    }
}
