/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.registry;

import java.io.IOException;
import java.util.Locale;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/** What a reload did to one model of one node. */
public record ReloadOutcome(
        String model, Change change, @Nullable String error) implements Writeable, ToXContentObject {

    /** On the wire by name, so that adding a change never shifts the others. */
    public enum Change {
        LOADED,
        REPLACED,
        REMOVED,
        FAILED,
        UNCHANGED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ReloadOutcome(StreamInput in) throws IOException {
        this(in.readString(), Change.valueOf(in.readString()), in.readOptionalString());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(model);
        out.writeString(change.name());
        out.writeOptionalString(error);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject().field("name", model).field("change", change.label());
        if (error != null) {
            builder.field("error", error);
        }
        return builder.endObject();
    }
}
