/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.mlcommons;

import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import org.crossencoder.opensearch.compat.NodeActions;
import org.opensearch.ExceptionsHelper;
import org.opensearch.OpenSearchStatusException;
import org.opensearch.ResourceNotFoundException;
import org.opensearch.action.ActionType;
import org.opensearch.action.support.PlainActionFuture;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.common.util.concurrent.ThreadContext;
import org.opensearch.common.xcontent.XContentHelper;
import org.opensearch.common.xcontent.json.JsonXContent;
import org.opensearch.core.action.ActionListener;
import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.bytes.BytesReference;
import org.opensearch.core.rest.RestStatus;
import org.opensearch.core.xcontent.ToXContent;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Reads models from ML Commons through its own get-model action on the local node ({@code GET
 * _plugins/_ml/models/<id>} and, with {@code return_content}, {@code <id>_<n>} for each uploaded chunk), never from
 * its index or files. ML Commons' classes stay in its class loader: the request is written in its wire form and the
 * answer is read through the JSON it renders for its REST API, whose field names are its public contract.
 * <p>
 * The calls wait for their answer, so they run on the generic pool (see {@link MlCommonsModels}), never on a
 * transport or search thread.
 */
public class MlCommonsClient {

    static final String GET_MODEL_ACTION = "cluster:admin/opensearch/ml/models/get";

    /** Executed locally only, so the answer is never read from the wire by this plugin. */
    private static final ActionType<ActionResponse> GET_MODEL = new ActionType<>(GET_MODEL_ACTION, in -> {
        throw new UnsupportedOperationException("[" + GET_MODEL_ACTION + "] is only executed on the local node");
    });

    /** Where the security plugin puts the user of a request in the thread context; ML Commons reads the same. */
    private static final String SECURITY_USER = "_opendistro_security_user_info";

    /** How long one read of a model or chunk may take before the load gives up. */
    private static final TimeValue READ_TIMEOUT = TimeValue.timeValueMinutes(1);

    private final NodeActions client;
    private final ThreadContext threadContext;
    private final String nodeName;

    public MlCommonsClient(NodeActions client, ThreadContext threadContext, String nodeName) {
        this.client = client;
        this.threadContext = threadContext;
        this.nodeName = nodeName;
    }

    /** What ML Commons records about the model: a 404 naming it when ML Commons has no such model. */
    public MlCommonsModel model(String modelId) {
        return MlCommonsModel.parse(modelId, get(modelId, modelId, false));
    }

    /** The bytes of the model's {@code n}-th uploaded chunk. */
    public byte[] chunk(String modelId, int n) {
        Object content = get(modelId, modelId + "_" + n, true).get("model_content");
        if (content instanceof String base64) {
            return Base64.getDecoder().decode(base64);
        }
        throw new IllegalStateException(
                "ML Commons returned no content for chunk [" + n + "] of model [" + modelId + "]");
    }

    private Map<String, Object> get(String modelId, String documentId, boolean content) {
        PlainActionFuture<ActionResponse> future = PlainActionFuture.newFuture();
        // As the node, as ML Commons reads its own models when it deploys them: the search that needed the model
        // may be long gone when a later check reads it again.
        try (ThreadContext.StoredContext ignored = threadContext.stashContext()) {
            client.execute(GET_MODEL, new GetMlModelRequest(documentId, content, false), future);
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("failed to find action")) {
                throw notInstalled(modelId);
            }
            throw e;
        }
        ActionResponse response;
        try {
            response = future.actionGet(READ_TIMEOUT);
        } catch (RuntimeException e) {
            if (ExceptionsHelper.status(ExceptionsHelper.unwrapCause(e)) == RestStatus.NOT_FOUND) {
                throw noSuchModel(modelId);
            }
            throw e;
        }
        return asMap(response);
    }

    /**
     * Answers whether the user of the calling thread context may use the model: asks ML Commons' get-model action as
     * that user, as ML Commons' REST API does, so the security plugin checks the user's permission for the action and
     * ML Commons the user's access to the model's model group. A 403 naming the model and what it needs when not. Without
     * a user in the thread context (no security plugin, or a request of the node itself) there is nothing to check.
     */
    public void checkAccess(String modelId, ActionListener<Void> listener) {
        if (threadContext.getTransient(SECURITY_USER) == null) {
            listener.onResponse(null);
            return;
        }
        ActionListener<ActionResponse> checked = ActionListener.wrap(
                readable -> listener.onResponse(null), e -> listener.onFailure(accessFailure(modelId, e)));
        try {
            client.execute(GET_MODEL, new GetMlModelRequest(modelId, false, true), checked);
        } catch (IllegalStateException e) {
            listener.onFailure(
                    e.getMessage() != null && e.getMessage().startsWith("failed to find action")
                            ? notInstalled(modelId)
                            : e);
        }
    }

    private static Exception accessFailure(String modelId, Exception e) {
        Throwable cause = ExceptionsHelper.unwrapCause(e);
        RestStatus status = ExceptionsHelper.status(cause);
        if (status == RestStatus.FORBIDDEN || status == RestStatus.UNAUTHORIZED) {
            return new OpenSearchStatusException(
                    "no access to ML Commons model [{}{}]: reranking with it needs the permission [{}] and access to the"
                            + " model's model group in ML Commons; ML Commons answered: {}",
                    RestStatus.FORBIDDEN,
                    MlCommonsModels.PREFIX,
                    modelId,
                    GET_MODEL_ACTION,
                    cause.getMessage());
        }
        return status == RestStatus.NOT_FOUND ? noSuchModel(modelId) : e;
    }

    private static ResourceNotFoundException noSuchModel(String modelId) {
        return new ResourceNotFoundException(
                "ML Commons has no model [{}]: it was deleted or never registered; list its models with "
                        + "GET _plugins/_ml/models/_search",
                modelId);
    }

    private OpenSearchStatusException notInstalled(String modelId) {
        return new OpenSearchStatusException(
                "[{}{}] names a model of ML Commons, and ML Commons (the opensearch-ml plugin) is not installed on node [{}]",
                RestStatus.BAD_REQUEST,
                MlCommonsModels.PREFIX,
                modelId,
                nodeName);
    }

    private static Map<String, Object> asMap(ActionResponse response) {
        if (response instanceof ToXContent renders) {
            try (XContentBuilder json = JsonXContent.contentBuilder()) {
                renders.toXContent(json, ToXContent.EMPTY_PARAMS);
                return XContentHelper.convertToMap(BytesReference.bytes(json), false, json.contentType())
                        .v2();
            } catch (IOException e) {
                throw new IllegalStateException("could not read ML Commons' answer", e);
            }
        }
        throw new IllegalStateException(
                "ML Commons answered [" + response.getClass().getName() + "], which has no JSON form");
    }
}
