/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

/**
 * Whether a text holds anything a model can read, and how long it is in characters as a user counts them (code
 * points, so an emoji is one character, not the two UTF-16 units Java stores it in).
 */
public final class VisibleText {

    private VisibleText() {}

    /**
     * True when the text has no character a tokenizer keeps: only white space, zero-width and other format characters
     * (U+200B, U+2060, U+FEFF...), controls, lone combining marks, variation selectors, unassigned code points and the
     * blank "filler" letters (Hangul fillers, the blank Braille pattern).
     */
    public static boolean isBlank(String text) {
        return text == null || text.codePoints().noneMatch(VisibleText::isVisible);
    }

    /** The text's length in Unicode characters (code points). */
    public static int length(String text) {
        return text.codePointCount(0, text.length());
    }

    private static boolean isVisible(int codePoint) {
        if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
            return false;
        }
        return switch (Character.getType(codePoint)) {
            case Character.CONTROL,
                    Character.FORMAT,
                    Character.UNASSIGNED,
                    Character.SURROGATE,
                    Character.NON_SPACING_MARK,
                    Character.ENCLOSING_MARK -> false;
            default ->
                switch (codePoint) {
                    case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800 -> false;
                    default -> true;
                };
        };
    }
}
