/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.compat;

import java.security.AccessController;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;
import org.opensearch.common.CheckedSupplier;
import org.opensearch.common.SuppressForbidden;

/**
 * Runs code with the plugin's own permissions (its policy), whatever code called it. 2.19 to 3.1: the JDK's
 * {@code AccessController}, which 2.19's security manager honours and where 3.0 and 3.1's agent stops its stack walk;
 * since 3.2 OpenSearch's own {@code org.opensearch.secure_sm.AccessController}.
 */
public final class Privileged {

    private Privileged() {}

    @SuppressWarnings({"removal", "unchecked"})
    @SuppressForbidden(
            reason = "the JDK's AccessController is the only privileged block these OpenSearch versions know")
    public static <T, E extends Exception> T run(CheckedSupplier<T, E> action) throws E {
        try {
            return AccessController.doPrivileged((PrivilegedExceptionAction<T>) action::get);
        } catch (PrivilegedActionException e) {
            // Only checked exceptions are wrapped, and the only checked exception the action throws is an E.
            throw (E) e.getException();
        }
    }
}
