/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.BytesRef;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.core.common.bytes.BytesArray;
import org.opensearch.index.mapper.SourceFieldMapper;
import org.opensearch.search.lookup.SourceLookup;

/**
 * Reads the text the model sees for a hit: the values of the requested fields in {@code _source}, in the
 * order the fields were named, joined by single spaces. Array values are joined the same way. A hit that
 * has none of the fields reads as the empty string.
 */
public final class PassageReader {

    private static final Set<String> SOURCE_ONLY = Set.of(SourceFieldMapper.NAME);

    /** Characters {@code [start, end)} of the passage are a field's from {@code fieldStart} on. */
    public record Segment(String field, int start, int end, int fieldStart) {}

    /** A hit's passage, and where each of its fields' values lies in it. */
    public record Passage(String text, List<Segment> segments) {

        /** A text given whole: one value of no field. */
        public static Passage of(String text) {
            return new Passage(text, text.isEmpty() ? List.of() : List.of(new Segment("", 0, text.length(), 0)));
        }

        /** A document given as its chunks: their texts joined by single spaces, each chunk a value. */
        public static Passage ofChunks(List<String> chunks) {
            StringBuilder text = new StringBuilder();
            List<Segment> segments = new ArrayList<>(chunks.size());
            for (String chunk : chunks) {
                if (text.length() > 0) {
                    text.append(' ');
                }
                segments.add(new Segment("", text.length(), text.length() + chunk.length(), 0));
                text.append(chunk);
            }
            return new Passage(text.toString(), segments);
        }

        /** The texts of its values: a chunked document's chunks. */
        public List<String> values() {
            return segments.stream()
                    .map(s -> text.substring(s.start(), s.end()))
                    .toList();
        }

        /** The first {@code max} values' character ranges, {@code [start, end)} pairs: a chunked document's chunks. */
        public int[] chunkBounds(int max) {
            int count = Math.min(max, segments.size());
            int[] bounds = new int[2 * count];
            for (int c = 0; c < count; c++) {
                bounds[2 * c] = segments.get(c).start();
                bounds[2 * c + 1] = segments.get(c).end();
            }
            return bounds;
        }

        /** Where characters {@code [start, end)} of the passage lie in each field they come from. */
        public List<PassageWindowScores.FieldRange> inFields(int start, int end) {
            Map<String, int[]> ranges = new LinkedHashMap<>();
            for (Segment segment : segments) {
                if (segment.start() < end && start < segment.end()) {
                    int from = Math.max(start, segment.start()) - segment.start() + segment.fieldStart();
                    int to = Math.min(end, segment.end()) - segment.start() + segment.fieldStart();
                    ranges.merge(segment.field(), new int[] {from, to}, (a, b) ->
                            new int[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                }
            }
            List<PassageWindowScores.FieldRange> located = new ArrayList<>(ranges.size());
            ranges.forEach(
                    (field, range) -> located.add(new PassageWindowScores.FieldRange(field, range[0], range[1])));
            return located;
        }
    }

    private final List<String> fields;
    /** For each requested field, the {@code _source} paths its values come from (a sub-field reads its parent's). */
    private final List<List<String>> sourcePaths;

    public PassageReader(List<String> fields, List<List<String>> sourcePaths) {
        this.fields = List.copyOf(fields);
        this.sourcePaths = sourcePaths;
    }

    /** Reads each field from the {@code _source} path of the same name, as a search response's hits show it. */
    public static PassageReader ofSourceFields(List<String> fields) {
        return new PassageReader(fields, fields.stream().map(List::of).toList());
    }

    public Passage[] read(IndexSearcher searcher, int[] docIds) throws IOException {
        StoredFields storedFields = searcher.storedFields();
        Passage[] passages = new Passage[docIds.length];
        for (int i = 0; i < docIds.length; i++) {
            Document document = storedFields.document(docIds[i], SOURCE_ONLY);
            BytesRef source = document.getBinaryValue(SourceFieldMapper.NAME);
            passages[i] = source == null
                    ? new Passage("", List.of())
                    : read(SourceLookup.sourceAsMap(new BytesArray(source)));
        }
        return passages;
    }

    public String passage(Map<String, Object> source) {
        return read(source).text();
    }

    public Passage read(Map<String, Object> source) {
        StringBuilder text = new StringBuilder();
        List<Segment> segments = new ArrayList<>();
        for (int f = 0; f < fields.size(); f++) {
            int[] fieldLength = {0};
            for (String path : sourcePaths.get(f)) {
                append(text, XContentMapValues.extractValue(path, source), fields.get(f), fieldLength, segments);
            }
        }
        return new Passage(text.toString(), segments);
    }

    private static void append(
            StringBuilder text, Object value, String field, int[] fieldLength, List<Segment> segments) {
        if (value instanceof List<?> values) {
            values.forEach(v -> append(text, v, field, fieldLength, segments));
        } else if (value != null && (value instanceof Map<?, ?>) == false) {
            String string = value.toString();
            if (VisibleText.isBlank(string) == false) {
                if (text.length() > 0) {
                    text.append(' ');
                }
                if (fieldLength[0] > 0) {
                    fieldLength[0]++; // a field's values are joined by single spaces too
                }
                segments.add(new Segment(field, text.length(), text.length() + string.length(), fieldLength[0]));
                text.append(string);
                fieldLength[0] += string.length();
            }
        }
    }

    /** The scores with each passage's best window located in the fields it was read from. */
    public static PassageScores locateBestWindows(PassageScores scores, List<Passage> passages) {
        if (scores.windows() == null) {
            return scores;
        }
        PassageWindowScores[] located = new PassageWindowScores[scores.size()];
        for (int i = 0; i < located.length; i++) {
            PassageWindowScores windows = scores.windows(i);
            if (windows != null) {
                int best = windows.best();
                located[i] = windows.withBestInFields(
                        passages.get(i).inFields(windows.starts()[best], windows.ends()[best]));
            }
        }
        return scores.withWindows(located);
    }
}
