/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import java.util.List;
import java.util.Random;

/** The constructed long document of the tests: a claim, its answer after 600 tokens of other text, topical distractors. */
public final class LongDocuments {

    public static final String CLAIM = "Vitamin D supplementation reduces the risk of hip fractures in older adults.";

    public static final String FILLER = "The committee met on Tuesday to review the budget for the new library "
            + "building, the schedule of roof repairs and the parking arrangements for the summer festival. ";

    /** Enough of the filler to push the answer past token 600. */
    public static final int FILLER_REPEATS = 22;

    public static final String ANSWER = "In a randomized controlled trial of 2,686 adults aged 65 to 85 years, oral "
            + "vitamin D supplementation every four months reduced the rate of hip fractures by 33 percent compared "
            + "with placebo.";

    /** About the claim's topic without answering it. */
    public static final List<String> TOPICAL = List.of(
            "Vitamin D is produced in the skin when it is exposed to sunlight.",
            "Hip fractures are common among older adults and often lead to a loss of independence.",
            "Calcium intake has been studied in relation to bone density in children.");

    private LongDocuments() {}

    /** Words of one to several word pieces, with punctuation, and a character outside the BMP early on. */
    public static String randomText(int words, long seed) {
        Random random = new Random(seed);
        String[] known = {"berlin", "people", "population", "city", "museum", "live"};
        StringBuilder text = new StringBuilder("Berlin \uD83D\uDE00 facts:");
        for (int i = 0; i < words; i++) {
            text.append(' ');
            if (random.nextInt(3) == 0) {
                text.append(known[random.nextInt(known.length)]);
            } else {
                for (int c = 0; c < 2 + random.nextInt(6); c++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
            }
            if (random.nextInt(10) == 0) {
                text.append(random.nextBoolean() ? "." : ",");
            }
        }
        return text.toString();
    }
}
