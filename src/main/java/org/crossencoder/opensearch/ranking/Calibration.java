/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.Locale;
import org.opensearch.common.Nullable;
import org.opensearch.core.ParseField;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ConstructingObjectParser;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;
import org.opensearch.core.xcontent.XContentParser;

/**
 * How a model's logit becomes a probability of relevance: {@code sigmoid(scale * logit + bias)} (Platt scaling).
 * A model's {@code cross-encoder.json} gives its {@code calibration}, as {@code models/fit-calibration.py} fits it on
 * judged pairs; without one the logit goes through the sigmoid as it is, which is a probability only for a model
 * trained with a binary cross-entropy loss and used on data like its training data.
 *
 * @param fittedOn what the scale and bias were fitted on, for the models API; null when not said
 */
public record Calibration(float scale, float bias, @Nullable String fittedOn) implements Writeable, ToXContentObject {

    public static final String NAME = "calibration";
    /** The plain sigmoid of the logit. */
    public static final Calibration NONE = new Calibration(1f, 0f, null);

    private static final ParseField SCALE = new ParseField("scale");
    private static final ParseField BIAS = new ParseField("bias");
    private static final ParseField FITTED_ON = new ParseField("fitted_on");
    private static final ConstructingObjectParser<Calibration, Void> PARSER = new ConstructingObjectParser<>(
            NAME, false, args -> new Calibration((Float) args[0], (Float) args[1], (String) args[2]));

    static {
        PARSER.declareFloat(ConstructingObjectParser.constructorArg(), SCALE);
        PARSER.declareFloat(ConstructingObjectParser.constructorArg(), BIAS);
        PARSER.declareString(ConstructingObjectParser.optionalConstructorArg(), FITTED_ON);
    }

    public Calibration {
        // A scale of 0 or below would make every passage equally likely, or reverse the model's order.
        if (Float.isFinite(scale) == false || scale <= 0) {
            throw new IllegalArgumentException("[" + NAME + "] [scale] must be a finite number above 0 but was ["
                    + scale + "]: it multiplies the logit, so it must keep the model's order");
        }
        if (Float.isFinite(bias) == false) {
            throw new IllegalArgumentException("[" + NAME + "] [bias] must be a finite number but was [" + bias + "]");
        }
    }

    public Calibration(StreamInput in) throws IOException {
        this(in.readFloat(), in.readFloat(), in.readOptionalString());
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeFloat(scale);
        out.writeFloat(bias);
        out.writeOptionalString(fittedOn);
    }

    public static Calibration parse(XContentParser parser) throws IOException {
        return PARSER.parse(parser, null);
    }

    /** The probability that a pair with this logit is relevant. */
    public float probability(float logit) {
        return (float) (1 / (1 + Math.exp(-((double) scale * logit + bias))));
    }

    /** The transform as {@code explain} and errors spell it. */
    public String describe() {
        return scale == 1f && bias == 0f
                ? "sigmoid(logit)"
                : String.format(Locale.ROOT, "sigmoid(%s * logit %s %s)", scale, bias < 0 ? "-" : "+", Math.abs(bias));
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        builder.field(SCALE.getPreferredName(), scale);
        builder.field(BIAS.getPreferredName(), bias);
        if (fittedOn != null) {
            builder.field(FITTED_ON.getPreferredName(), fittedOn);
        }
        return builder.endObject();
    }
}
