/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import java.io.IOException;
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

    /** For each requested field, the {@code _source} paths its values come from (a sub-field reads its parent's). */
    private final List<List<String>> sourcePaths;

    public PassageReader(List<List<String>> sourcePaths) {
        this.sourcePaths = sourcePaths;
    }

    /** Reads each field from the {@code _source} path of the same name, as a search response's hits show it. */
    public static PassageReader ofSourceFields(List<String> fields) {
        return new PassageReader(fields.stream().map(List::of).toList());
    }

    String[] read(IndexSearcher searcher, int[] docIds) throws IOException {
        StoredFields storedFields = searcher.storedFields();
        String[] passages = new String[docIds.length];
        for (int i = 0; i < docIds.length; i++) {
            Document document = storedFields.document(docIds[i], SOURCE_ONLY);
            BytesRef source = document.getBinaryValue(SourceFieldMapper.NAME);
            passages[i] = source == null ? "" : passage(SourceLookup.sourceAsMap(new BytesArray(source)));
        }
        return passages;
    }

    public String passage(Map<String, Object> source) {
        StringBuilder text = new StringBuilder();
        for (List<String> paths : sourcePaths) {
            for (String path : paths) {
                append(text, XContentMapValues.extractValue(path, source));
            }
        }
        return text.toString();
    }

    private static void append(StringBuilder text, Object value) {
        if (value instanceof List<?> values) {
            values.forEach(v -> append(text, v));
        } else if (value != null && (value instanceof Map<?, ?>) == false) {
            String string = value.toString();
            if (string.isBlank() == false) {
                if (text.length() > 0) {
                    text.append(' ');
                }
                text.append(string);
            }
        }
    }
}
