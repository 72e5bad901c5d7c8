/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.ranking;

import java.util.Arrays;

/** Reads the options whose values are enums written by their lower-case names ({@code toString()}). */
public final class LowerCaseOptions {

    private LowerCaseOptions() {}

    /** The option named {@code value}, or an error naming {@code field} and every value it may have. */
    public static <E extends Enum<E>> E parse(Class<E> options, String field, String value) {
        for (E option : options.getEnumConstants()) {
            if (option.toString().equals(value)) {
                return option;
            }
        }
        throw new IllegalArgumentException("[" + field + "] must be one of "
                + Arrays.toString(options.getEnumConstants()) + " but was [" + value + "]");
    }
}
