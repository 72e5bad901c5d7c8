/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import static org.hamcrest.Matchers.containsString;

import java.util.List;
import java.util.Map;
import org.apache.lucene.search.TotalHits;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.PassageReader;
import org.junit.Test;
import org.opensearch.search.SearchHit;
import org.opensearch.search.SearchHits;
import org.opensearch.test.OpenSearchTestCase;

/** The chunk objects a nested first stage's inner hits matched, read from the hit's {@code _source} by their offsets. */
public class InnerHitChunksTests extends OpenSearchTestCase {

    private static final Chunks MATCHED = new Chunks("chunks.text", null, null, "matched", null);
    private static final Map<String, Object> SOURCE = Map.of(
            "chunks",
            List.of(
                    Map.of("text", "zero"),
                    Map.of("text", "one"),
                    Map.of("vector", List.of(1, 2)),
                    Map.of("text", "three")));

    /** A hit whose inner hits named {@code name} matched the nested objects at {@code offsets} of {@code path}. */
    private static SearchHit hit(String name, String path, int... offsets) {
        SearchHit[] inner = new SearchHit[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            inner[i] =
                    new SearchHit(1, "doc", new SearchHit.NestedIdentity(path, offsets[i], null), Map.of(), Map.of());
        }
        SearchHit hit = new SearchHit(1, "doc", Map.of(), Map.of());
        hit.setInnerHits(
                Map.of(name, new SearchHits(inner, new TotalHits(offsets.length, TotalHits.Relation.EQUAL_TO), 1f)));
        return hit;
    }

    @Test
    public void readsTheMatchedChunksInDocumentOrder() {
        SearchHit hit = hit("matched", "chunks", 3, 0, 3);
        assertArrayEquals("ascending, each once", new int[] {0, 3}, InnerHitChunks.offsets(hit, MATCHED));
        PassageReader.Passage passage = InnerHitChunks.read(hit, SOURCE, MATCHED);
        assertEquals(List.of("zero", "three"), passage.values());
        assertArrayEquals(new int[] {0, 4, 5, 10}, passage.chunkBounds(10));
        assertArrayEquals("max_chunks keeps the first", new int[] {0, 4}, passage.chunkBounds(1));
        assertEquals(
                "an object without the text is an empty chunk, so chunk i is still the i-th offset",
                List.of("one", ""),
                InnerHitChunks.read(hit("matched", "chunks", 1, 2), SOURCE, MATCHED)
                        .values());
    }

    @Test
    public void refusesInnerHitsItCannotRead() {
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> InnerHitChunks.offsets(hit("other", "chunks", 0), MATCHED))
                        .getMessage(),
                containsString("[chunks] [inner_hits] is [matched], and hit [doc] of [null] has no inner hits of that "
                        + "name: give the first stage's nested query \"inner_hits\": {\"name\": \"matched\"}"));
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> InnerHitChunks.offsets(hit("matched", "paragraphs", 0), MATCHED))
                        .getMessage(),
                containsString("[field] [chunks.text] must be a text field of the nested objects the inner hits "
                        + "[matched] match, at [chunks]; they match objects at [paragraphs]"));
        assertThat(
                expectThrows(
                                IllegalArgumentException.class,
                                () -> InnerHitChunks.checkField(new Chunks("text", null, null, "matched", null)))
                        .getMessage(),
                containsString("[field] must be a path into them such as [chunks.text], not [text]"));
    }
}
