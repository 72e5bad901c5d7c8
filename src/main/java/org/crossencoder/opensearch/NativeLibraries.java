/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch;

import org.opensearch.env.Environment;

/** Points the native libraries the plugin uses at the node's own temporary directory. */
final class NativeLibraries {

    private NativeLibraries() {}

    static void configure(Environment environment) {
        // DJL unpacks its tokenizer library under ~/.djl.ai by default; the opensearch user may have no home directory.
        if (System.getProperty("DJL_CACHE_DIR") == null) {
            System.setProperty(
                    "DJL_CACHE_DIR", environment.tmpDir().resolve("djl").toString());
        }
    }
}
