/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.engine;

import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.util.Ec2Utils;
import ai.djl.util.Platform;
import ai.djl.util.Utils;
import java.lang.reflect.Field;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loads DJL's native tokenizer library once per node, without changing anything another plugin sees: no system
 * property is set (ML Commons runs its own DJL in the same JVM and reads {@code DJL_CACHE_DIR}, {@code ai.djl.offline}
 * and the rest), and the class loader DJL looks its library up with is the context class loader of a thread of our
 * own, never of a node thread.
 */
final class TokenizerLibrary {

    private static final Object LOCK = new Object();
    private static boolean loaded;

    private TokenizerLibrary() {}

    static void ensureLoaded() {
        synchronized (LOCK) {
            if (loaded) {
                return;
            }
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            Thread loader = new Thread(
                    () -> {
                        try {
                            refuseDownloads();
                            LibUtils.checkStatus();
                            switchOffTelemetry();
                        } catch (RuntimeException e) {
                            failure.set(e);
                        }
                    },
                    "cross-encoder-tokenizer-library");
            loader.setContextClassLoader(TokenizerLibrary.class.getClassLoader());
            loader.start();
            try {
                loader.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading the tokenizer library", e);
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            loaded = true;
        }
    }

    /**
     * DJL calls the EC2 metadata service and an S3 bucket, at most once a day, whenever a tokenizer is created, unless
     * its offline mode or {@code OPT_OUT_TRACKING} is set, both JVM-wide. A node must make no such call (OpenSearch
     * denies it, and the load fails): this marks our own copy of DJL, in the plugin's class loader, as having
     * called already, for good. ML Commons' copy is another class and keeps its own.
     */
    private static void switchOffTelemetry() {
        try {
            Field lastCheckIn = Ec2Utils.class.getDeclaredField("lastCheckIn");
            lastCheckIn.setAccessible(true);
            lastCheckIn.setLong(null, Long.MAX_VALUE);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot switch off DJL's telemetry in this DJL version", e);
        }
    }

    /**
     * DJL bundles the CPU build of the library, which it unpacks into its cache; it would download a GPU build on a
     * host with CUDA. The plugin never downloads, and setting DJL's offline mode here would be JVM-wide: such a
     * host's operator chooses the CPU build for the node instead.
     */
    private static void refuseDownloads() {
        String flavor = Platform.detectPlatform("tokenizers").getFlavor();
        boolean chosen = Utils.getEnvOrSystemProperty("RUST_FLAVOR") != null || Utils.isOfflineMode();
        if (flavor.startsWith("cu") && chosen == false) {
            throw new IllegalStateException(
                    "this node has CUDA [" + flavor + "], for which DJL would download a GPU build of"
                            + " its tokenizer library, and the cross-encoder plugin never downloads anything: set the environment"
                            + " variable RUST_FLAVOR=cpu for the node to use the CPU build it bundles");
        }
    }
}
