/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
/**
 * What differs between the OpenSearch versions the plugin is built for, behind types the rest of the plugin uses on
 * every version. The neutral types are here; each adapter has one implementation per range of versions in a folder
 * named by that range, {@code src/compat/<range>/java}, and the build adds the folders of the version it builds for
 * ({@code -Dopensearch.compat}, see {@code scripts/build.sh}).
 */
package org.crossencoder.opensearch.compat;
