/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import org.crossencoder.opensearch.wire.CrossEncoderWireTestCase;
import org.opensearch.core.common.io.stream.Writeable;

public class ModelInfoWireTests extends CrossEncoderWireTestCase<ModelInfo> {

    @Override
    protected ModelInfo createTestInstance() {
        if (randomBoolean()) {
            return ModelInfo.failed(
                    randomAlphaOfLength(8), "/models/" + randomAlphaOfLength(8), randomUnicodeOfLength(30));
        }
        return new ModelInfo(
                randomAlphaOfLength(8),
                "/models/" + randomAlphaOfLength(8),
                true,
                null,
                randomIntBetween(8, 4096),
                randomFrom(ModelConfig.Truncation.values()).toString(),
                randomFrom(ModelConfig.Output.values()).toString(),
                randomNonNegativeLong(),
                randomAlphaOfLength(64),
                randomAlphaOfLength(64),
                randomNonNegativeLong(),
                randomNonNegativeLong());
    }

    @Override
    protected ModelInfo mutateInstance(ModelInfo i) {
        return switch (between(0, 11)) {
            case 0 ->
                new ModelInfo(
                        i.name() + "x",
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 1 ->
                new ModelInfo(
                        i.name(),
                        i.path() + "x",
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 2 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded() == false,
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 3 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error() + "x",
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 4 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength() + 1,
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 5 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation() + "x",
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 6 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output() + "x",
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 7 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes() + 1,
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 8 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256() + "x",
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 9 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256() + "x",
                        i.residentBytes(),
                        i.loadTimeMillis());
            case 10 ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes() + 1,
                        i.loadTimeMillis());
            default ->
                new ModelInfo(
                        i.name(),
                        i.path(),
                        i.loaded(),
                        i.error(),
                        i.maxLength(),
                        i.truncation(),
                        i.output(),
                        i.sizeInBytes(),
                        i.sha256(),
                        i.tokenizerSha256(),
                        i.residentBytes(),
                        i.loadTimeMillis() + 1);
        };
    }

    @Override
    protected Writeable.Reader<ModelInfo> instanceReader() {
        return ModelInfo::new;
    }
}
