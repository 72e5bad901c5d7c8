/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import static org.junit.Assert.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.Test;

public class PassageReaderTests {

    @Test
    public void joinsTheFieldsInTheOrderTheyWereNamed() {
        PassageReader reader = new PassageReader(List.of(List.of("title"), List.of("passage")));
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
        PassageReader reader =
                new PassageReader(List.of(List.of("meta.summary"), List.of("tags"), List.of("comments.text")));
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
        PassageReader reader = new PassageReader(List.of(List.of("a", "b")));
        assertEquals("x 7", reader.passage(Map.of("a", "x", "b", 7)));
    }
}
