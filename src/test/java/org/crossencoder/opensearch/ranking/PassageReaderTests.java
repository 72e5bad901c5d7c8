/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.opensearch.test.OpenSearchTestCase;

public class PassageReaderTests extends OpenSearchTestCase {

    @Test
    public void joinsTheFieldsInTheOrderTheyWereNamed() {
        PassageReader reader = PassageReader.ofSourceFields(List.of("title", "passage"));
        assertEquals("Berlin Berlin is big.", reader.passage(Map.of("passage", "Berlin is big.", "title", "Berlin")));
        assertEquals("Berlin is big.", reader.passage(Map.of("passage", "Berlin is big.")));
        assertEquals("", reader.passage(Map.of("other", "text")));
        assertEquals(
                "blank values are skipped",
                "Berlin is big.",
                reader.passage(Map.of("title", " ", "passage", "Berlin is big.")));
    }

    @Test
    public void readsDottedPathsArraysAndObjectsInArrays() {
        PassageReader reader = PassageReader.ofSourceFields(List.of("meta.summary", "tags", "comments.text"));
        Map<String, Object> source = Map.of(
                "meta",
                Map.of("summary", "A summary."),
                "tags",
                List.of("one", "two"),
                "comments",
                List.of(Map.of("text", "first"), Map.of("text", "second")));
        assertEquals("A summary. one two first second", reader.passage(source));
    }

    @Test
    public void readsEverySourcePathOfAField() {
        PassageReader reader = new PassageReader(List.of("a"), List.of(List.of("a", "b")));
        assertEquals("x 7", reader.passage(Map.of("a", "x", "b", 7)));
    }

    @Test
    public void locatesARangeOfThePassageInTheFieldsItCameFrom() {
        PassageReader reader = PassageReader.ofSourceFields(List.of("title", "tags", "text"));
        PassageReader.Passage passage = reader.read(Map.of(
                "title", "Berlin", "tags", List.of("city", "capital"), "text", "Berlin is big. It has museums."));
        assertEquals("Berlin city capital Berlin is big. It has museums.", passage.text());
        int museums = passage.text().indexOf("It has");
        assertEquals(
                "within one field: offsets into that field's text",
                List.of(new PassageWindowScores.FieldRange("text", 15, 30)),
                passage.inFields(museums, passage.text().length()));
        assertEquals(
                "across fields and a field's values (joined by single spaces, as the model read them)",
                List.of(
                        new PassageWindowScores.FieldRange("title", 3, 6),
                        new PassageWindowScores.FieldRange("tags", 0, 12),
                        new PassageWindowScores.FieldRange("text", 0, 6)),
                passage.inFields(3, passage.text().indexOf(" is big")));
    }

    @Test
    public void aChunkedDocumentsChunksAreItsValues() {
        PassageReader.Passage passage =
                PassageReader.ofSourceFields(List.of("chunks")).read(Map.of("chunks", List.of("first", " ", "second")));
        assertEquals("blank values are no chunks", List.of("first", "second"), passage.values());
        assertArrayEquals(new int[] {0, 5, 6, 12}, passage.chunkBounds(100));
        assertArrayEquals(new int[] {0, 5}, passage.chunkBounds(1));
        PassageReader.Passage given = PassageReader.Passage.ofChunks(List.of("first", "second"));
        assertEquals(passage.text(), given.text());
        assertArrayEquals(passage.chunkBounds(100), given.chunkBounds(100));
        assertArrayEquals(new int[] {0, 4}, PassageReader.Passage.of("text").chunkBounds(3));
        assertArrayEquals(new int[0], PassageReader.Passage.of("").chunkBounds(3));
    }
}
