/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class CrossEncoderSearchExtWireTests extends CrossEncoderWireTestCase<CrossEncoderSearchExt> {

    @Override
    protected CrossEncoderSearchExt createTestInstance() {
        return new CrossEncoderSearchExt(randomAlphaOfLength(1) + randomUnicodeOfLengthBetween(0, 100));
    }

    @Override
    protected CrossEncoderSearchExt mutateInstance(CrossEncoderSearchExt ext) {
        return new CrossEncoderSearchExt(ext.queryText() + "x");
    }

    @Override
    protected Writeable.Reader<CrossEncoderSearchExt> instanceReader() {
        return CrossEncoderSearchExt::new;
    }
}
