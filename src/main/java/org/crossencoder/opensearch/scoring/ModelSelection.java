/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.opensearch.common.Nullable;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Which models a request scores with and how their outputs become its score, as the request gives it:
 * <pre>
 * "model": "a"                                          one model (none: the cluster's default model)
 * "models": ["a", {"model": "b", "weight": 2}]          an ensemble: the weighted mean of the members' scores
 * "probability": true                                   each model's output as a probability (its calibration)
 * </pre>
 * A coordinating node pins each member's {@link ModelInfo#fingerprint()}, so that every node scores with the same
 * files; {@link ModelResolver#ensemble} resolves a selection to the loaded models.
 *
 * @param members the models, each at most once; empty for the cluster's default model
 * @param probability null: as the models' {@code cross-encoder.json} say
 */
public record ModelSelection(List<Member> members, @Nullable Boolean probability)
        implements Writeable, ToXContentFragment {

    public static final ParseField MODEL = new ParseField("model");
    public static final ParseField MODELS = new ParseField("models");
    public static final ParseField PROBABILITY = ModelConfig.PROBABILITY;
    private static final ParseField WEIGHT = new ParseField("weight");

    /** The cluster's default model, its output as its {@code cross-encoder.json} says. */
    public static final ModelSelection DEFAULT = new ModelSelection(List.of(), null);

    /**
     * One model of a selection.
     *
     * @param fingerprint the version a coordinating node planned with; null until pinned
     */
    public record Member(
            String name, float weight, @Nullable String fingerprint) implements Writeable {

        public Member {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException(
                        "a model name in [" + MODELS.getPreferredName() + "] must not be blank");
            }
            if (Float.isFinite(weight) == false || weight <= 0) {
                throw new IllegalArgumentException("[" + MODELS.getPreferredName() + "] model [" + name
                        + "] has [weight] [" + weight + "]; a weight must be a finite number above 0");
            }
        }

        Member(StreamInput in) throws IOException {
            this(in.readString(), in.readFloat(), in.readOptionalString());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            out.writeFloat(weight);
            out.writeOptionalString(fingerprint);
        }
    }

    public ModelSelection {
        members = List.copyOf(members);
        Set<String> names = new HashSet<>();
        for (Member member : members) {
            if (names.add(member.name()) == false) {
                throw new IllegalArgumentException("[" + MODELS.getPreferredName() + "] names model [" + member.name()
                        + "] twice; give it one entry with a [weight] instead");
            }
        }
    }

    public ModelSelection(StreamInput in) throws IOException {
        this(in.readList(Member::new), in.readOptionalBoolean());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeList(members);
        out.writeOptionalBoolean(probability);
    }

    /**
     * From a request's {@code model}, {@code models} and {@code probability} (each null when not given): {@code models}
     * is a list whose entries are model names or objects {@code {"model": name, "weight": w}}, as JSON parsing or a
     * processor's configuration gives it.
     */
    public static ModelSelection of(@Nullable String model, @Nullable Object models, @Nullable Boolean probability) {
        if (model != null && models != null) {
            throw new IllegalArgumentException(
                    "give [" + MODEL.getPreferredName() + "] or [" + MODELS.getPreferredName() + "], not both");
        }
        if (model != null) {
            if (model.isBlank()) {
                throw new IllegalArgumentException(
                        "[" + MODEL.getPreferredName() + "] must not be blank; leave it out to use the default model");
            }
            return new ModelSelection(List.of(new Member(model, 1f, null)), probability);
        }
        if (models == null) {
            return new ModelSelection(List.of(), probability);
        }
        if (models instanceof List<?> == false || ((List<?>) models).isEmpty()) {
            throw new IllegalArgumentException("[" + MODELS.getPreferredName()
                    + "] must be a non-empty array of model names or {\"model\": name, \"weight\": number} objects");
        }
        List<?> entries = (List<?>) models;
        List<Member> members = new ArrayList<>(entries.size());
        for (Object entry : entries) {
            members.add(member(entry, members.size()));
        }
        return new ModelSelection(members, probability);
    }

    private static Member member(Object entry, int position) {
        if (entry instanceof String name) {
            return new Member(name, 1f, null);
        }
        if (entry instanceof Map<?, ?> object) {
            Set<Object> unknown = new HashSet<>(object.keySet());
            unknown.remove(MODEL.getPreferredName());
            unknown.remove(WEIGHT.getPreferredName());
            Object name = object.get(MODEL.getPreferredName());
            Object weight = object.get(WEIGHT.getPreferredName());
            if (unknown.isEmpty() && name instanceof String text && (weight == null || weight instanceof Number)) {
                return new Member(text, weight == null ? 1f : ((Number) weight).floatValue(), null);
            }
        }
        throw new IllegalArgumentException("[" + MODELS.getPreferredName() + "] entry [" + position + "] is [" + entry
                + "]; each entry is a model name or {\"model\": name, \"weight\": number}");
    }

    public boolean isPinned() {
        return members.isEmpty() == false && members.stream().allMatch(member -> member.fingerprint() != null);
    }

    /** How many models score each pair. */
    public int size() {
        return Math.max(1, members.size());
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        if (members.size() == 1 && members.get(0).weight() == 1f) {
            builder.field(MODEL.getPreferredName(), members.get(0).name());
        } else if (members.isEmpty() == false) {
            builder.startArray(MODELS.getPreferredName());
            for (Member member : members) {
                builder.startObject()
                        .field(MODEL.getPreferredName(), member.name())
                        .field(WEIGHT.getPreferredName(), member.weight())
                        .endObject();
            }
            builder.endArray();
        }
        if (probability != null) {
            builder.field(PROBABILITY.getPreferredName(), probability);
        }
        return builder;
    }

    @Override
    public String toString() {
        return members.isEmpty()
                ? "the default model"
                : members.stream().map(Member::name).toList().toString();
    }
}
