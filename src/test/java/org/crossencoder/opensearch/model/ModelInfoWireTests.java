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
                randomBoolean() ? null : randomPassageWindows(),
                randomNonNegativeLong(),
                randomAlphaOfLength(64),
                randomAlphaOfLength(64),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomBoolean() ? null : randomMlCommonsSource());
    }

    private static ModelInfo.MlCommonsSource randomMlCommonsSource() {
        return new ModelInfo.MlCommonsSource(
                randomAlphaOfLength(20), randomBoolean() ? null : randomAlphaOfLength(8), randomAlphaOfLength(64));
    }

    @Override
    protected ModelInfo mutateInstance(ModelInfo i) {
        Object[] components = {
            i.name(),
            i.path(),
            i.loaded(),
            i.error(),
            i.maxLength(),
            i.truncation(),
            i.output(),
            i.passageWindows(),
            i.sizeInBytes(),
            i.sha256(),
            i.tokenizerSha256(),
            i.residentBytes(),
            i.loadTimeMillis(),
            i.mlCommons()
        };
        int changed = between(0, components.length - 1);
        components[changed] = switch (components[changed]) {
            case Boolean b -> b == false;
            case Integer n -> n + 1;
            case Long n -> n + 1;
            case ModelInfo.MlCommonsSource source ->
                randomBoolean()
                        ? null
                        : new ModelInfo.MlCommonsSource(source.modelId() + "x", source.name(), source.contentHash());
            case PassageWindows windows -> windows.equals(PassageWindows.ON) ? PassageWindows.OFF : PassageWindows.ON;
            case null ->
                changed == components.length - 1 ? randomMlCommonsSource() : changed == 7 ? PassageWindows.ON : "set";
            default -> components[changed] + "x";
        };
        return new ModelInfo(
                (String) components[0],
                (String) components[1],
                (Boolean) components[2],
                (String) components[3],
                (Integer) components[4],
                (String) components[5],
                (String) components[6],
                (PassageWindows) components[7],
                (Long) components[8],
                (String) components[9],
                (String) components[10],
                (Long) components[11],
                (Long) components[12],
                (ModelInfo.MlCommonsSource) components[13]);
    }

    @Override
    protected Writeable.Reader<ModelInfo> instanceReader() {
        return ModelInfo::new;
    }
}
