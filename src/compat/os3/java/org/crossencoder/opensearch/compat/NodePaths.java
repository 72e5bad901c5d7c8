/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import java.nio.file.Path;
import org.opensearch.env.Environment;

/** The node's directories. Since 3.0: {@code Environment.configDir()} and {@code tmpDir()} (on 2.19 {@code *File()}). */
public final class NodePaths {

    private NodePaths() {}

    public static Path configDir(Environment environment) {
        return environment.configDir();
    }

    public static Path tmpDir(Environment environment) {
        return environment.tmpDir();
    }
}
