/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.io.IOException;
import org.crossencoder.opensearch.ranking.LowerCaseOptions;
import org.opensearch.common.Nullable;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

/**
 * How a model's batches run: the {@code inference} object of its {@code cross-encoder.json}, each value overriding the
 * node's setting ({@code plugins.cross_encoder.inference.*}) for this model only, so that a 12-layer model gets its own
 * token budget at the next reload, without a node restart. Batching never changes a score, so none of this is part of
 * the model's fingerprint. A null value is the node's; the models API shows the values a loaded model runs with.
 */
public record ModelInference(
        @Nullable Integer batchSize,
        @Nullable Integer batchTokens,
        @Nullable CrossEncoderModel.Spinning spinning) implements Writeable, ToXContentObject {

    public static final String NAME = "inference";
    /** The node's values for everything. */
    public static final ModelInference NODE = new ModelInference(null, null, null);

    private static final ParseField BATCH_SIZE = new ParseField("batch_size");
    private static final ParseField BATCH_TOKENS = new ParseField("batch_tokens");
    private static final ParseField SPINNING = new ParseField("spinning");

    private static final class Builder {
        Integer batchSize;
        Integer batchTokens;
        CrossEncoderModel.Spinning spinning;
    }

    private static final ObjectParser<Builder, Void> PARSER = new ObjectParser<>(NAME, Builder::new);

    static {
        PARSER.declareInt((b, v) -> b.batchSize = v, BATCH_SIZE);
        PARSER.declareInt((b, v) -> b.batchTokens = v, BATCH_TOKENS);
        PARSER.declareString(
                (b, v) -> b.spinning = LowerCaseOptions.parse(
                        CrossEncoderModel.Spinning.class, NAME + "." + SPINNING.getPreferredName(), v),
                SPINNING);
    }

    public ModelInference {
        requirePositive(BATCH_SIZE, batchSize);
        requirePositive(BATCH_TOKENS, batchTokens);
    }

    private static void requirePositive(ParseField field, @Nullable Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(
                    "[" + NAME + "] [" + field.getPreferredName() + "] must be at least 1 but was [" + value + "]");
        }
    }

    static ModelInference parse(XContentParser parser) throws IOException {
        Builder b = PARSER.parse(parser, null);
        return new ModelInference(b.batchSize, b.batchTokens, b.spinning);
    }

    /** The values a model runs with: its own where it has them, the node's elsewhere. */
    public static ModelInference effective(CrossEncoderModel.InferenceOptions options) {
        return new ModelInference(options.batchSize(), options.batchTokens(), options.spinning());
    }

    /** The node's options with this model's values in their place. */
    CrossEncoderModel.InferenceOptions over(CrossEncoderModel.InferenceOptions node) {
        return new CrossEncoderModel.InferenceOptions(
                batchSize == null ? node.batchSize() : batchSize,
                batchTokens == null ? node.batchTokens() : batchTokens,
                node.intraOpThreads(),
                node.sortByLength(),
                node.optimization(),
                node.memoryArena(),
                spinning == null ? node.spinning() : spinning,
                node.exactLevers());
    }

    public ModelInference(StreamInput in) throws IOException {
        this(in.readOptionalVInt(), in.readOptionalVInt(), spinning(in.readOptionalString()));
    }

    @Nullable
    private static CrossEncoderModel.Spinning spinning(@Nullable String name) {
        return name == null ? null : CrossEncoderModel.Spinning.valueOf(name);
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeOptionalVInt(batchSize);
        out.writeOptionalVInt(batchTokens);
        out.writeOptionalString(spinning == null ? null : spinning.name());
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        if (batchSize != null) {
            builder.field(BATCH_SIZE.getPreferredName(), batchSize);
        }
        if (batchTokens != null) {
            builder.field(BATCH_TOKENS.getPreferredName(), batchTokens);
        }
        if (spinning != null) {
            builder.field(SPINNING.getPreferredName(), spinning.toString());
        }
        return builder.endObject();
    }
}
