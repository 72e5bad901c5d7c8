/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.action;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.engine.ModelWorkTask;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.action.IndicesRequest;
import org.opensearch.action.support.IndicesOptions;
import org.opensearch.common.Nullable;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.index.shard.ShardId;
import org.opensearch.core.tasks.TaskId;
import org.opensearch.tasks.Task;

/**
 * Documents for one node to score against a query: the node reads their text from its own shards (whatever the
 * search's response shows of {@code _source}) and runs the model the coordinating node pinned.
 * <p>
 * An index request whose indices a security plugin may resolve and replace ({@link IndicesRequest.Replaceable}), as it
 * does a search's: the security plugin refuses index actions whose requests it cannot resolve. Only documents of the
 * indices the request still names are read.
 */
public final class ScoreDocumentsRequest extends ActionRequest implements IndicesRequest.Replaceable {

    /** A document of the response: the shard it came from and its id. */
    public record Document(ShardId shard, String id) implements Writeable {

        Document(StreamInput in) throws IOException {
            this(new ShardId(in), in.readString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            shard.writeTo(out);
            out.writeString(id);
        }
    }

    private final String nodeId;
    private final ModelSelection selection;
    private final String plannedOn;
    private final String queryText;
    private final List<String> fields;
    private final List<Document> documents;
    private final TimeValue timeout;
    private final PassageWindows passageWindows;
    private final Chunks chunks;
    private String[] indices;

    /**
     * {@code selection} names the models pinned to the versions of node {@code plannedOn} (their fingerprints), which
     * every node must use; {@code timeout} is what is left of the search's.
     */
    public ScoreDocumentsRequest(
            String nodeId,
            ModelSelection selection,
            String plannedOn,
            String queryText,
            List<String> fields,
            List<Document> documents,
            @Nullable TimeValue timeout,
            @Nullable PassageWindows passageWindows,
            @Nullable Chunks chunks) {
        this.nodeId = nodeId;
        this.selection = selection;
        this.plannedOn = plannedOn;
        this.queryText = queryText;
        this.fields = List.copyOf(fields);
        this.documents = List.copyOf(documents);
        this.timeout = timeout;
        this.passageWindows = passageWindows;
        this.chunks = chunks;
        this.indices = this.documents.stream()
                .map(d -> d.shard().getIndexName())
                .distinct()
                .toArray(String[]::new);
    }

    public ScoreDocumentsRequest(StreamInput in) throws IOException {
        super(in);
        this.nodeId = in.readString();
        this.selection = new ModelSelection(in);
        this.plannedOn = in.readString();
        this.queryText = in.readString();
        this.fields = in.readStringList();
        this.documents = in.readList(Document::new);
        this.timeout = in.readOptionalTimeValue();
        this.passageWindows = in.readOptionalWriteable(PassageWindows::new);
        this.chunks = in.readOptionalWriteable(Chunks::new);
        this.indices = in.readStringArray();
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(nodeId);
        selection.writeTo(out);
        out.writeString(plannedOn);
        out.writeString(queryText);
        out.writeStringCollection(fields);
        out.writeList(documents);
        out.writeOptionalTimeValue(timeout);
        out.writeOptionalWriteable(passageWindows);
        out.writeOptionalWriteable(chunks);
        out.writeStringArray(indices);
    }

    @Override
    public ActionRequestValidationException validate() {
        return null;
    }

    @Override
    public String[] indices() {
        return indices;
    }

    /** The indices whose documents may be read, as a security plugin resolved them: a subset of the documents'. */
    @Override
    public ScoreDocumentsRequest indices(String... indices) {
        this.indices = indices;
        return this;
    }

    @Override
    public IndicesOptions indicesOptions() {
        return IndicesOptions.strictExpandOpen();
    }

    /** Cancellable, so that cancelling the search (its parent) stops the model work here. */
    @Override
    public Task createTask(long id, String type, String action, TaskId parentTaskId, Map<String, String> headers) {
        return new ModelWorkTask(id, type, action, getDescription(), parentTaskId, headers, true);
    }

    @Override
    public String getDescription() {
        return "score " + documents.size() + " documents with cross-encoder " + selection + " on node [" + nodeId + "]";
    }

    public String nodeId() {
        return nodeId;
    }

    /** The models, each pinned to a fingerprint. */
    public ModelSelection selection() {
        return selection;
    }

    public String plannedOn() {
        return plannedOn;
    }

    public String queryText() {
        return queryText;
    }

    public List<String> fields() {
        return fields;
    }

    public List<Document> documents() {
        return documents;
    }

    @Nullable
    public TimeValue timeout() {
        return timeout;
    }

    /** The search's {@code passage_windows} option, resolved on each node against the pinned model's defaults. */
    @Nullable
    public PassageWindows passageWindows() {
        return passageWindows;
    }

    /** The search's {@code chunks} option: the documents' chunk field is then {@link #fields()}' one field. */
    @Nullable
    public Chunks chunks() {
        return chunks;
    }
}
