package org.crossencoder.opensearch;

import org.opensearch.env.Environment;

/** Points the native libraries the plugin uses at the node's own temporary directory, and keeps them offline. */
final class NativeLibraries {

    private NativeLibraries() {}

    static void configure(Environment environment) {
        // DJL unpacks its tokenizer library under ~/.djl.ai by default; the opensearch user may have no home directory.
        if (System.getProperty("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", environment.tmpDir().resolve("djl").toString());
        }
        // The tokenizer library ships inside the jar; never let DJL fall back to downloading one.
        System.setProperty("ai.djl.offline", "true");
    }
}
