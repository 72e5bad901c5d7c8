/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.registry;

import java.util.List;
import org.crossencoder.opensearch.engine.CrossEncoderModel;
import org.crossencoder.opensearch.engine.ExactLevers;
import org.crossencoder.opensearch.engine.ModelConfig;
import org.crossencoder.opensearch.engine.ModelInference;
import org.crossencoder.opensearch.ranking.Calibration;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreCombination;
import org.crossencoder.opensearch.ranking.ScoreMode;
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
                randomBoolean() ? null : randomCalibration(),
                randomBoolean(),
                randomBoolean() ? null : randomBlend(),
                randomBoolean() ? null : randomInference(),
                randomBoolean() ? null : randomExactLevers(),
                randomNonNegativeLong(),
                randomAlphaOfLength(64),
                randomAlphaOfLength(64),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomBoolean() ? null : randomMlCommonsSource());
    }

    private static Calibration randomCalibration() {
        return new Calibration(
                0.01f + randomFloat() * 10, randomFloat() * 20 - 10, randomBoolean() ? null : randomAlphaOfLength(12));
    }

    private static ScoreCombination randomBlend() {
        return randomBoolean()
                ? ScoreCombination.REPLACE
                : new ScoreCombination(
                        ScoreMode.INTERPOLATE,
                        1f,
                        1f,
                        new Interpolation(randomFrom(Interpolation.Normalization.values()), randomFloat()));
    }

    private static ModelInference randomInference() {
        return new ModelInference(
                randomBoolean() ? null : between(1, 64),
                randomBoolean() ? null : between(1, 1 << 20),
                randomBoolean() ? null : randomFrom(CrossEncoderModel.Spinning.values()));
    }

    private static ExactLevers.Outcome randomExactLevers() {
        return randomBoolean()
                ? new ExactLevers.Outcome(List.of("cls_last_layer"), randomFrom("load", "model_file"), null)
                : new ExactLevers.Outcome(List.of(), null, randomUnicodeOfLength(20));
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
            i.calibration(),
            i.probability(),
            i.blend(),
            i.inference(),
            i.exactLevers(),
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
            case Calibration calibration ->
                new Calibration(calibration.scale() * 2, calibration.bias(), calibration.fittedOn());
            case ScoreCombination blend -> blend.equals(ScoreCombination.REPLACE) ? ScoreCombination.DEFAULT : null;
            case ModelInference inference ->
                new ModelInference(
                        inference.batchSize() == null ? 1 : inference.batchSize() + 1,
                        inference.batchTokens(),
                        inference.spinning());
            case ExactLevers.Outcome levers ->
                levers.applied().isEmpty()
                        ? new ExactLevers.Outcome(List.of("cls_last_layer"), "load", null)
                        : new ExactLevers.Outcome(List.of(), null, "x");
            case null ->
                switch (changed) {
                    case 7 -> PassageWindows.ON;
                    case 8 -> randomCalibration();
                    case 10 -> randomBlend();
                    case 11 -> randomInference();
                    case 12 -> randomExactLevers();
                    case 18 -> randomMlCommonsSource();
                    default -> "set";
                };
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
                (Calibration) components[8],
                (Boolean) components[9],
                (ScoreCombination) components[10],
                (ModelInference) components[11],
                (ExactLevers.Outcome) components[12],
                (Long) components[13],
                (String) components[14],
                (String) components[15],
                (Long) components[16],
                (Long) components[17],
                (ModelInfo.MlCommonsSource) components[18]);
    }

    @Override
    protected Writeable.Reader<ModelInfo> instanceReader() {
        return ModelInfo::new;
    }
}
