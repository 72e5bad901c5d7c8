/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * The windows one passage was read in: each one's character range in the passage ({@code [start, end)}, UTF-16
 * indices into the text the model read) and the model's score, the text of the best one, and where the best one lies
 * in each field the passage was read from (empty when the caller knows no fields).
 */
public record PassageWindowScores(
        int[] starts, int[] ends, float[] scores, String bestText, List<FieldRange> bestInFields)
        implements Writeable, ToXContentObject {

    /** Characters {@code [start, end)} of a field's text (its values joined by single spaces). */
    public record FieldRange(String field, int start, int end) implements Writeable {

        FieldRange(StreamInput in) throws IOException {
            this(in.readString(), in.readVInt(), in.readVInt());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(field);
            out.writeVInt(start);
            out.writeVInt(end);
        }
    }

    public PassageWindowScores(int[] starts, int[] ends, float[] scores, String bestText) {
        this(starts, ends, scores, bestText, List.of());
    }

    public PassageWindowScores(StreamInput in) throws IOException {
        this(
                in.readVIntArray(),
                in.readVIntArray(),
                in.readFloatArray(),
                in.readString(),
                in.readList(FieldRange::new));
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeVIntArray(starts);
        out.writeVIntArray(ends);
        out.writeFloatArray(scores);
        out.writeString(bestText);
        out.writeList(bestInFields);
    }

    /** The same windows, each score mapped by {@code transform} (which keeps their order). */
    public PassageWindowScores withScores(DoubleUnaryOperator transform) {
        float[] transformed = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            transformed[i] = (float) transform.applyAsDouble(scores[i]);
        }
        return new PassageWindowScores(starts, ends, transformed, bestText, bestInFields);
    }

    /** The same windows, the best one located in the fields the passage was read from. */
    public PassageWindowScores withBestInFields(List<FieldRange> ranges) {
        return new PassageWindowScores(starts, ends, scores, bestText, List.copyOf(ranges));
    }

    public int count() {
        return scores.length;
    }

    /** The window with the highest score (the first of equals). */
    public int best() {
        return PassageWindows.best(scores);
    }

    /** The best window as a hit shows it: its position among the windows, its range, text and score. */
    public Map<String, Object> bestAsMap() {
        int best = best();
        Map<String, Object> window = new LinkedHashMap<>();
        window.put("window", best);
        window.put("of", count());
        window.put("start_offset", starts[best]);
        window.put("end_offset", ends[best]);
        window.put("score", scores[best]);
        window.put("text", bestText);
        if (bestInFields.isEmpty() == false) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (FieldRange range : bestInFields) {
                Map<String, Object> offsets = new LinkedHashMap<>();
                offsets.put("start_offset", range.start());
                offsets.put("end_offset", range.end());
                fields.put(range.field(), offsets);
            }
            window.put("fields", fields);
        }
        return window;
    }

    /**
     * The best part as a hit shows it when the parts are a chunked document's chunks: its position among the chunks
     * read, their number, its score and its text (a chunk is a whole value of the chunk field, so no offsets).
     */
    public Map<String, Object> bestChunkAsMap() {
        int best = best();
        Map<String, Object> chunk = new LinkedHashMap<>();
        chunk.put("chunk", best);
        chunk.put("of", count());
        chunk.put("score", scores[best]);
        chunk.put("text", bestText);
        return chunk;
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        return builder.map(bestAsMap());
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof PassageWindowScores other
                && Arrays.equals(starts, other.starts)
                && Arrays.equals(ends, other.ends)
                && Arrays.equals(scores, other.scores)
                && bestText.equals(other.bestText)
                && bestInFields.equals(other.bestInFields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                Arrays.hashCode(starts), Arrays.hashCode(ends), Arrays.hashCode(scores), bestText, bestInFields);
    }

    @Override
    public String toString() {
        return "windows " + Arrays.toString(starts) + " to " + Arrays.toString(ends) + " scored "
                + Arrays.toString(scores);
    }
}
