/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.registry;

import java.io.IOException;
import org.crossencoder.opensearch.engine.ExactLevers;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.crossencoder.opensearch.engine.ModelInference;
import org.crossencoder.opensearch.ranking.Calibration;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.opensearch.common.Nullable;
import org.opensearch.core.common.Strings;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.core.xcontent.MediaTypeRegistry;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/** What a node says about one of its models: where it came from and whether it is serving. */
public record ModelInfo(
        String name,
        String path,
        boolean loaded,
        String error,
        int maxLength,
        String truncation,
        String output,
        @Nullable PassageWindows passageWindows,
        @Nullable Calibration calibration,
        boolean probability,
        @Nullable ScoreCombination blend,
        @Nullable ModelInference inference,
        @Nullable ExactLevers.Outcome exactLevers,
        long sizeInBytes,
        String sha256,
        String tokenizerSha256,
        long residentBytes,
        long loadTimeMillis,
        @Nullable MlCommonsSource mlCommons)
        implements Writeable, ToXContentObject {

    /** The ML Commons model a model was read from: its id, name and the SHA-256 ML Commons recorded for its zip. */
    public record MlCommonsSource(String modelId, String name, String contentHash) implements Writeable {

        MlCommonsSource(StreamInput in) throws IOException {
            this(in.readString(), in.readOptionalString(), in.readString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(modelId);
            out.writeOptionalString(name);
            out.writeString(contentHash);
        }
    }

    static ModelInfo failed(String name, String path, String error) {
        return new ModelInfo(
                name, path, false, error, 0, null, null, null, null, false, null, null, null, 0, null, null, 0, 0,
                null);
    }

    /**
     * What identifies a loaded model's files and settings: two nodes with the same fingerprint score every pair
     * alike. Null for a model that failed to load. Not the exact levers: a node serves one only when it gives the
     * model's own logits, within the tolerance a model's golden pairs are checked to.
     */
    public String fingerprint() {
        return loaded
                ? "model.onnx sha256 " + sha256 + ", tokenizer.json sha256 " + tokenizerSha256 + ", max_length "
                        + maxLength + ", truncation " + truncation + ", output " + output
                        + (passageWindows == null
                                ? ""
                                : ", " + Strings.toString(MediaTypeRegistry.JSON, passageWindows))
                        + (calibration == null ? "" : ", calibration " + calibration.describe())
                        + ", probability " + probability
                        + (blend == null ? "" : ", default blend " + blend.describe())
                : null;
    }

    public ModelInfo(StreamInput in) throws IOException {
        this(
                in.readString(),
                in.readString(),
                in.readBoolean(),
                in.readOptionalString(),
                in.readVInt(),
                in.readOptionalString(),
                in.readOptionalString(),
                in.readOptionalWriteable(PassageWindows::new),
                in.readOptionalWriteable(Calibration::new),
                in.readBoolean(),
                in.readOptionalWriteable(ScoreCombination::new),
                in.readOptionalWriteable(ModelInference::new),
                in.readOptionalWriteable(ExactLevers.Outcome::new),
                in.readVLong(),
                in.readOptionalString(),
                in.readOptionalString(),
                in.readVLong(),
                in.readVLong(),
                in.readOptionalWriteable(MlCommonsSource::new));
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(name);
        out.writeString(path);
        out.writeBoolean(loaded);
        out.writeOptionalString(error);
        out.writeVInt(maxLength);
        out.writeOptionalString(truncation);
        out.writeOptionalString(output);
        out.writeOptionalWriteable(passageWindows);
        out.writeOptionalWriteable(calibration);
        out.writeBoolean(probability);
        out.writeOptionalWriteable(blend);
        out.writeOptionalWriteable(inference);
        out.writeOptionalWriteable(exactLevers);
        out.writeVLong(sizeInBytes);
        out.writeOptionalString(sha256);
        out.writeOptionalString(tokenizerSha256);
        out.writeVLong(residentBytes);
        out.writeVLong(loadTimeMillis);
        out.writeOptionalWriteable(mlCommons);
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        builder.field("name", name);
        builder.field("path", path);
        builder.field("status", loaded ? "loaded" : "failed");
        if (loaded) {
            builder.field("max_length", maxLength);
            builder.field("truncation", truncation);
            builder.field("output", output);
            if (passageWindows != null) {
                passageWindows.toXContent(builder, params);
            }
            if (calibration != null) {
                builder.field(Calibration.NAME, calibration);
            }
            builder.field(ModelConfig.PROBABILITY.getPreferredName(), probability);
            if (blend != null) {
                blend.toXContent(builder);
            }
            if (inference != null) {
                builder.field(ModelInference.NAME, inference);
            }
            if (exactLevers != null) {
                builder.field(ExactLevers.Outcome.NAME, exactLevers);
            }
            builder.field("size_in_bytes", sizeInBytes);
            builder.field("sha256", sha256);
            builder.field("tokenizer_sha256", tokenizerSha256);
            builder.humanReadableField("resident_size_in_bytes", "resident_size", new ByteSizeValue(residentBytes));
            builder.field("load_time_in_millis", loadTimeMillis);
            if (mlCommons != null) {
                builder.startObject("ml_commons")
                        .field("model_id", mlCommons.modelId())
                        .field("name", mlCommons.name())
                        .field("model_content_hash_value", mlCommons.contentHash())
                        .endObject();
            }
        } else {
            builder.field("error", error);
        }
        return builder.endObject();
    }
}
