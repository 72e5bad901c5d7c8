/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import org.apache.lucene.util.SetOnce;
import org.opensearch.common.CheckedSupplier;
import org.opensearch.secure_sm.AccessController;

/**
 * Runs code with the plugin's own permissions (its policy), whatever code called it. Since 3.2: OpenSearch's
 * {@code org.opensearch.secure_sm.AccessController}, where the agent stops its stack walk (before 3.2 the JDK's
 * {@code AccessController}, deprecated for removal). Its {@code CheckedRunnable} form, the one whose signature is the
 * same from 3.2 on (the form that returns a value takes a {@code Callable} in 3.2 and 3.3).
 */
public final class Privileged {

    private Privileged() {}

    public static <T, E extends Exception> T run(CheckedSupplier<T, E> action) throws E {
        SetOnce<T> result = new SetOnce<>();
        AccessController.<E>doPrivilegedChecked(() -> result.set(action.get()));
        return result.get();
    }
}
