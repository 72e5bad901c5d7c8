/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.mlcommons;

import java.io.IOException;
import org.opensearch.action.ActionRequest;
import org.opensearch.action.ActionRequestValidationException;
import org.opensearch.core.common.io.stream.StreamOutput;

/**
 * ML Commons' get-model request, written as ML Commons reads it ({@code MLModelGetRequest}): ML Commons' own actions
 * accept any request whose wire form is theirs ({@code fromActionRequest}), which is how other plugins call them
 * without sharing its classes. Only ever executed on the local node, so it is never read back by this plugin.
 */
final class GetMlModelRequest extends ActionRequest {

    private final String id;
    private final boolean returnContent;
    private final boolean userInitiated;

    /**
     * {@code id} is a model's id, or {@code <model id>_<n>} for its n-th chunk, whose bytes come with
     * {@code returnContent}. {@code userInitiated}: ML Commons answers as to its REST API, refusing the models it hides
     * from users; otherwise it serves those too, as for its own deploys.
     */
    GetMlModelRequest(String id, boolean returnContent, boolean userInitiated) {
        this.id = id;
        this.returnContent = returnContent;
        this.userInitiated = userInitiated;
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        super.writeTo(out);
        out.writeString(id);
        out.writeBoolean(returnContent);
        out.writeBoolean(userInitiated);
        out.writeOptionalString(null); // tenant id: none, as in a cluster without multi-tenancy
    }

    @Override
    public ActionRequestValidationException validate() {
        return null;
    }
}
