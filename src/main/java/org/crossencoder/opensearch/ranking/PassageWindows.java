/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.opensearch.common.Nullable;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ObjectParser;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

/**
 * The {@code passage_windows} option: read a passage longer than one window in several windows of {@code length}
 * of its tokens, consecutive ones sharing {@code stride} tokens (Hugging Face's meaning of stride), at most
 * {@code max_windows} of them, and {@code combine} their scores into the passage's. {@code return_best} asks for
 * the best window in each hit. As given in a request or a model's {@code cross-encoder.json}: an option not given
 * falls to the model's default, then to {@link #resolve}'s; {@code false} turns a model's default off.
 */
public record PassageWindows(
        boolean enabled,
        @Nullable Integer length,
        @Nullable Integer stride,
        @Nullable Integer maxWindows,
        @Nullable Combine combine,
        @Nullable Boolean returnBest)
        implements Writeable, ToXContentFragment {

    public static final String NAME = "passage_windows";
    public static final PassageWindows OFF = new PassageWindows(false, null, null, null, null, null);
    /** Windows with every option at its default. */
    public static final PassageWindows ON = new PassageWindows(true, null, null, null, null, null);

    static final int DEFAULT_MAX_WINDOWS = 8;

    /** How the scores of a passage's windows make the passage's score. */
    public enum Combine {
        /** The best window's: the passage is as relevant as its most relevant part. */
        MAX,
        /** The first window's: truncation, at the window's length. */
        FIRST,
        /** The mean of all windows'. */
        MEAN;

        public static Combine fromString(String value) {
            return fromString(NAME + ".combine", value);
        }

        /** The value of the option named {@code option} (which errors name). */
        public static Combine fromString(String option, String value) {
            return LowerCaseOptions.parse(Combine.class, option, value);
        }

        public float combine(float[] scores) {
            return switch (this) {
                case MAX -> scores[best(scores)];
                case FIRST -> scores[0];
                case MEAN -> {
                    double sum = 0;
                    for (float score : scores) {
                        sum += score;
                    }
                    yield (float) (sum / scores.length);
                }
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The options resolved against a model: every value known and checked. */
    public record Resolved(int length, int stride, int maxWindows, Combine combine, boolean returnBest) {}

    private static final ParseField LENGTH = new ParseField("length");
    private static final ParseField STRIDE = new ParseField("stride");
    private static final ParseField MAX_WINDOWS = new ParseField("max_windows");
    private static final ParseField COMBINE = new ParseField("combine");
    private static final ParseField RETURN_BEST = new ParseField("return_best");

    private static final class Builder {
        Integer length;
        Integer stride;
        Integer maxWindows;
        Combine combine;
        Boolean returnBest;
    }

    private static final ObjectParser<Builder, Void> PARSER = new ObjectParser<>(NAME, Builder::new);

    static {
        PARSER.declareInt((b, v) -> b.length = v, LENGTH);
        PARSER.declareInt((b, v) -> b.stride = v, STRIDE);
        PARSER.declareInt((b, v) -> b.maxWindows = v, MAX_WINDOWS);
        PARSER.declareString((b, v) -> b.combine = Combine.fromString(v), COMBINE);
        PARSER.declareBoolean((b, v) -> b.returnBest = v, RETURN_BEST);
    }

    public PassageWindows {
        atLeast(length, 1, LENGTH);
        atLeast(stride, 0, STRIDE);
        atLeast(maxWindows, 1, MAX_WINDOWS);
        if (length != null && stride != null && stride >= length) {
            throw new IllegalArgumentException("[" + NAME + "] [stride] is the number of tokens consecutive windows "
                    + "share and must be less than [length]: got [" + stride + "] for windows of [" + length + "]");
        }
    }

    private static void atLeast(Integer value, int min, ParseField field) {
        if (value != null && value < min) {
            throw new IllegalArgumentException("[" + NAME + "] [" + field.getPreferredName() + "] must be at least ["
                    + min + "] but was [" + value + "]");
        }
    }

    /** {@code true}, {@code false} or an object of options, at the parser's current token. */
    public static PassageWindows parse(XContentParser parser) throws IOException {
        XContentParser.Token token = parser.currentToken();
        if (token == XContentParser.Token.VALUE_BOOLEAN) {
            return parser.booleanValue() ? ON : OFF;
        }
        if (token != XContentParser.Token.START_OBJECT) {
            throw new IllegalArgumentException(
                    "[" + NAME + "] must be true, false or an object of options, got [" + token + "]");
        }
        Builder b = PARSER.parse(parser, null);
        return new PassageWindows(true, b.length, b.stride, b.maxWindows, b.combine, b.returnBest);
    }

    /** As {@link #parse}, from a search processor's configuration value. */
    public static PassageWindows fromMap(Object value) throws IOException {
        if (value instanceof Boolean on) {
            return on ? ON : OFF;
        }
        if (value instanceof Map<?, ?> map) {
            return OptionMaps.parse(map, PassageWindows::parse);
        }
        throw new IllegalArgumentException(
                "[" + NAME + "] must be true, false or an object of options, got [" + value + "]");
    }

    /**
     * What a request reads with this model: null when windows are off (the request's {@code false}, or neither the
     * request nor the model's default asks for them). Options not given take the model's default's, else half the
     * model's {@code max_length}, a quarter of that for the stride, {@value #DEFAULT_MAX_WINDOWS} windows and
     * {@code max}. A 400 when a window leaves no room for the query within the model's {@code max_length}.
     */
    @Nullable
    public static Resolved resolve(@Nullable PassageWindows request, @Nullable PassageWindows defaults, int maxLength) {
        PassageWindows given = request != null ? request : defaults;
        if (given == null || given.enabled() == false) {
            return null;
        }
        boolean modelDefaultApplies = defaults != null && defaults.enabled();
        int length = first(given.length, modelDefaultApplies ? defaults.length : null, maxLength / 2);
        int stride = first(given.stride, modelDefaultApplies ? defaults.stride : null, length / 4);
        int maxWindows = first(given.maxWindows, modelDefaultApplies ? defaults.maxWindows : null, DEFAULT_MAX_WINDOWS);
        Combine combine = first(given.combine, modelDefaultApplies ? defaults.combine : null, Combine.MAX);
        boolean returnBest = first(given.returnBest, modelDefaultApplies ? defaults.returnBest : null, false);
        if (length >= maxLength) {
            throw new IllegalArgumentException("[" + NAME + "] [length] is [" + length
                    + "] tokens, and the model reads "
                    + "at most [" + maxLength + "] (its max_length) for the query and a window together: "
                    + "make windows shorter than that");
        }
        if (stride >= length) {
            throw new IllegalArgumentException("[" + NAME + "] [stride] [" + stride
                    + "] must be less than the windows' [length] [" + length + "]");
        }
        return new Resolved(length, stride, maxWindows, combine, returnBest);
    }

    private static <T> T first(T given, T modelDefault, T builtIn) {
        return given != null ? given : modelDefault != null ? modelDefault : builtIn;
    }

    public PassageWindows(StreamInput in) throws IOException {
        this(
                in.readBoolean(),
                in.readOptionalVInt(),
                in.readOptionalVInt(),
                in.readOptionalVInt(),
                in.readBoolean() ? in.readEnum(Combine.class) : null,
                in.readOptionalBoolean());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeBoolean(enabled);
        out.writeOptionalVInt(length);
        out.writeOptionalVInt(stride);
        out.writeOptionalVInt(maxWindows);
        out.writeBoolean(combine != null);
        if (combine != null) {
            out.writeEnum(combine);
        }
        out.writeOptionalBoolean(returnBest);
    }

    /** The option as a request gives it: {@code "passage_windows": false}, or its object of options. */
    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        if (enabled == false) {
            return builder.field(NAME, false);
        }
        builder.startObject(NAME);
        if (length != null) {
            builder.field(LENGTH.getPreferredName(), length);
        }
        if (stride != null) {
            builder.field(STRIDE.getPreferredName(), stride);
        }
        if (maxWindows != null) {
            builder.field(MAX_WINDOWS.getPreferredName(), maxWindows);
        }
        if (combine != null) {
            builder.field(COMBINE.getPreferredName(), combine.toString());
        }
        if (returnBest != null) {
            builder.field(RETURN_BEST.getPreferredName(), returnBest);
        }
        return builder.endObject();
    }

    /** The index of the highest score, the first of equals. */
    public static int best(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }
}
