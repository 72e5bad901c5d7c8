/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.pipeline;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.mlcommons.MlCommonsModels;
import org.crossencoder.opensearch.ranking.BlendOptions;
import org.crossencoder.opensearch.ranking.Chunks;
import org.crossencoder.opensearch.ranking.Interpolation;
import org.crossencoder.opensearch.ranking.PassageWindows;
import org.crossencoder.opensearch.ranking.ScoreMode;
import org.crossencoder.opensearch.rescore.CrossEncoderRescorerBuilder;
import org.crossencoder.opensearch.scoring.InferenceService;
import org.crossencoder.opensearch.scoring.ModelSelection;
import org.opensearch.OpenSearchException;
import org.opensearch.common.Nullable;
import org.opensearch.ingest.ConfigurationUtils;

/** Reading the options both cross-encoder search processors share, with OpenSearch's processor-config errors. */
final class ProcessorConfig {

    private final String type;
    private final String tag;
    private final Map<String, Object> config;

    @Nullable
    private final InferenceService servingNode;

    /** With {@code servingNode}, the model must be one that node serves. */
    ProcessorConfig(String type, String tag, Map<String, Object> config, @Nullable InferenceService servingNode) {
        this.type = type;
        this.tag = tag;
        this.config = config;
        this.servingNode = servingNode;
    }

    /**
     * The {@code model} or {@code models} and {@code probability} options; no model means the cluster's default model
     * (resolved per request, as the default may change).
     */
    ModelSelection selection() {
        String model = ConfigurationUtils.readOptionalStringProperty(
                type, tag, config, ModelSelection.MODEL.getPreferredName());
        Object models = config.remove(ModelSelection.MODELS.getPreferredName());
        Boolean probability = optionalBoolean(ModelSelection.PROBABILITY.getPreferredName());
        ModelSelection selection;
        try {
            selection = ModelSelection.of(model, models, probability);
        } catch (IllegalArgumentException e) {
            String key =
                    models == null ? ModelSelection.MODEL.getPreferredName() : ModelSelection.MODELS.getPreferredName();
            // OpenSearch puts the option's name in front of the reason already.
            throw ConfigurationUtils.newConfigurationException(
                    type, tag, key, e.getMessage().replaceFirst("^\\[" + key + "\\] ", ""));
        }
        for (ModelSelection.Member member : selection.members()) {
            checkModel(member.name());
        }
        return selection;
    }

    /** An ML Commons model is read when a search first needs it: here, its id can only be checked for form. */
    private void checkModel(String model) {
        try {
            if (MlCommonsModels.isMlCommonsModel(model)) {
                MlCommonsModels.modelId(model);
            } else if (servingNode != null) {
                servingNode.models().model(model);
            }
        } catch (OpenSearchException | IllegalArgumentException e) {
            throw ConfigurationUtils.newConfigurationException(type, tag, "model", e.getMessage());
        }
    }

    @Nullable
    private Boolean optionalBoolean(String key) {
        Object value = config.remove(key);
        if (value == null || value instanceof Boolean) {
            return (Boolean) value;
        }
        throw ConfigurationUtils.newConfigurationException(
                type, tag, key, "must be true or false but was [" + value + "]");
    }

    List<String> fields() {
        List<String> fields = ConfigurationUtils.readList(type, tag, config, "fields");
        if (fields.isEmpty()) {
            throw ConfigurationUtils.newConfigurationException(
                    type, tag, "fields", "must name at least one text field");
        }
        return fields;
    }

    /**
     * The fields to read: {@code fields}, or with {@code chunks} the chunk field ({@code fields} may then be left out).
     */
    List<String> fields(@Nullable Chunks chunks) {
        if (chunks == null) {
            return fields();
        }
        List<String> given = ConfigurationUtils.readOptionalList(type, tag, config, "fields");
        try {
            return Chunks.fieldsToRead(given, chunks);
        } catch (IllegalArgumentException e) {
            throw ConfigurationUtils.newConfigurationException(type, tag, Chunks.NAME, e.getMessage());
        }
    }

    /** The {@code chunks} option; null when not given (each document is one passage). */
    @Nullable
    Chunks chunks() {
        Object value = config.remove(Chunks.NAME);
        if (value == null) {
            return null;
        }
        try {
            return Chunks.fromMap(value);
        } catch (IOException | RuntimeException e) {
            // The parser's own message says only which option failed to parse; its cause says why.
            Throwable reason = e;
            while (reason.getCause() != null && reason.getCause() != reason) {
                reason = reason.getCause();
            }
            throw ConfigurationUtils.newConfigurationException(type, tag, Chunks.NAME, reason.getMessage());
        }
    }

    /** A 400 naming the processor when its {@code chunks} option asks for inner hits, which {@code where} cannot know. */
    void refuseInnerHits(@Nullable Chunks chunks, String where) {
        try {
            if (chunks != null) {
                chunks.refuseInnerHits(where);
            }
        } catch (IllegalArgumentException e) {
            throw ConfigurationUtils.newConfigurationException(type, tag, Chunks.NAME, e.getMessage());
        }
    }

    Integer positiveInt(String key, Integer defaultValue) {
        Integer value = ConfigurationUtils.readIntProperty(type, tag, config, key, defaultValue);
        if (value != null && value < 1) {
            throw ConfigurationUtils.newConfigurationException(type, tag, key, "must be at least 1");
        }
        return value;
    }

    String optionalString(String key) {
        return ConfigurationUtils.readOptionalStringProperty(type, tag, config, key);
    }

    String string(String key, String defaultValue) {
        return ConfigurationUtils.readStringProperty(type, tag, config, key, defaultValue);
    }

    Float optionalNumber(String key) {
        Object value = config.remove(key);
        if (value == null) {
            return null;
        }
        if (value instanceof Number number && Float.isFinite(number.floatValue())) {
            return number.floatValue();
        }
        throw ConfigurationUtils.newConfigurationException(
                type, tag, key, "must be a finite number but was [" + value + "]");
    }

    /** The {@code score_mode} options, each as the rescore clause reads it; those left out come from the model. */
    BlendOptions blend() {
        String scoreMode = optionalString("score_mode");
        Float queryWeight = optionalNumber("query_weight");
        Float rescoreQueryWeight = optionalNumber("rescore_query_weight");
        String normalization = optionalString("normalization");
        Float weight = optionalNumber("weight");
        try {
            return new BlendOptions(
                    scoreMode == null ? null : ScoreMode.fromString(scoreMode),
                    queryWeight,
                    rescoreQueryWeight,
                    normalization == null ? null : Interpolation.Normalization.fromString(normalization),
                    weight);
        } catch (IllegalArgumentException e) {
            throw ConfigurationUtils.newConfigurationException(type, tag, "score_mode", e.getMessage());
        }
    }

    /** The {@code passage_windows} option; null when not given (the model's default then applies). */
    @Nullable
    PassageWindows passageWindows() {
        Object value = config.remove(PassageWindows.NAME);
        if (value == null) {
            return null;
        }
        try {
            return PassageWindows.fromMap(value);
        } catch (IOException | RuntimeException e) {
            throw ConfigurationUtils.newConfigurationException(type, tag, PassageWindows.NAME, e.getMessage());
        }
    }

    /** The error OpenSearch gives for a processor option with a bad value (a 400 naming processor, tag and option). */
    RuntimeException invalid(String key, String reason) {
        return ConfigurationUtils.newConfigurationException(type, tag, key, reason);
    }

    /** {@code allow_reranker_failures}: when the model fails, answer with the first stage's order instead of failing. */
    boolean allowRerankerFailures() {
        return ConfigurationUtils.readBooleanProperty(
                type, tag, config, CrossEncoderRescorerBuilder.ALLOW_RERANKER_FAILURES.getPreferredName(), false);
    }

    QueryTextResolver queryTextResolver() {
        return new QueryTextResolver(
                type,
                optionalString(QueryTextResolver.QUERY_TEXT_PATH),
                ConfigurationUtils.readBooleanProperty(type, tag, config, QueryTextResolver.IGNORE_MISSING, false));
    }
}
