/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.opensearch.common.xcontent.support.XContentMapValues;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;

/**
 * The chunks a nested first stage matched ({@code chunks.inner_hits}): the nested objects its named inner hits point
 * at (their nested identity's offsets), read from the hit's own {@code _source}, in document order. Known only once
 * the fetch phase has run, so only the response processor on the coordinating node reads them.
 */
final class InnerHitChunks {

    private InnerHitChunks() {}

    /** The offsets, in the nested array, of the chunk objects the hit's inner hits matched: ascending, each once. */
    static int[] offsets(SearchHit hit, Chunks chunks) {
        Map<String, SearchHits> innerHits = hit.getInnerHits();
        SearchHits matched = innerHits == null ? null : innerHits.get(chunks.innerHits());
        if (matched == null) {
            throw new IllegalArgumentException("[" + CrossEncoderRerankResponseProcessor.TYPE + "] [" + Chunks.NAME
                    + "] [inner_hits] is [" + chunks.innerHits() + "], and hit [" + hit.getId() + "] of ["
                    + hit.getIndex() + "] has no inner hits of that name: give the first stage's nested query "
                    + "\"inner_hits\": {\"name\": \"" + chunks.innerHits() + "\"}");
        }
        String path = nestedPath(chunks);
        TreeSet<Integer> offsets = new TreeSet<>();
        for (SearchHit inner : matched.getHits()) {
            SearchHit.NestedIdentity identity = inner.getNestedIdentity();
            if (identity == null || identity.getField().string().equals(path) == false || identity.getChild() != null) {
                throw new IllegalArgumentException("[" + CrossEncoderRerankResponseProcessor.TYPE + "] [" + Chunks.NAME
                        + "] [field] [" + chunks.field()
                        + "] must be a text field of the nested objects the inner hits ["
                        + chunks.innerHits() + "] match, at [" + path + "]; they match "
                        + (identity == null ? "no nested objects" : "objects at [" + identity.getField() + "]"));
            }
            offsets.add(identity.getOffset());
        }
        return offsets.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The matched chunk objects' text ({@code field} within each), in document order, as one chunked passage. */
    static PassageReader.Passage read(SearchHit hit, Map<String, Object> source, Chunks chunks) {
        String path = nestedPath(chunks);
        String inObject = chunks.field().substring(path.length() + 1);
        Object nested = XContentMapValues.extractValue(path, source);
        List<?> objects = nested instanceof List<?> list ? list : nested == null ? List.of() : List.of(nested);
        List<String> texts = new ArrayList<>();
        for (int offset : offsets(hit, chunks)) {
            Object text = offset < objects.size() && objects.get(offset) instanceof Map<?, ?> object
                    ? XContentMapValues.extractValue(inObject, asStringMap(object))
                    : null;
            // A chunk without text stays, read empty, so that chunk i is still the i-th matched offset.
            texts.add(text == null ? "" : text.toString());
        }
        return PassageReader.Passage.ofChunks(texts);
    }

    /** A 400 unless {@code chunks}' field is a path into nested objects, as {@code inner_hits} needs. */
    static void checkField(Chunks chunks) {
        nestedPath(chunks);
    }

    /** The nested objects' path: the chunk field less its last part ({@code chunks.text} -> {@code chunks}). */
    private static String nestedPath(Chunks chunks) {
        int dot = chunks.field().lastIndexOf('.');
        if (dot <= 0) {
            throw new IllegalArgumentException("[" + Chunks.NAME
                    + "] with [inner_hits] reads the matched nested objects' "
                    + "text: [field] must be a path into them such as [chunks.text], not [" + chunks.field() + "]");
        }
        return chunks.field().substring(0, dot);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asStringMap(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }
}
