/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.settings;

import java.util.function.Consumer;
import org.opensearch.common.settings.ClusterSettings;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.unit.TimeValue;
import org.opensearch.core.common.unit.ByteSizeValue;

/**
 * The plugin's dynamic cluster settings as this node sees them now: once the node has started, the one place any of
 * them is read. Each value follows {@code PUT _cluster/settings} as OpenSearch applies it.
 */
public final class DynamicSettings {

    private final ClusterSettings clusterSettings;
    private volatile int maxWindowSize;
    private volatile int maxPairsPerRequest;
    private volatile int maxQueryTextLength;
    private volatile int maxRerankTextLength;
    private volatile ByteSizeValue maxRerankRequestSize;
    private volatile String defaultModel;
    private volatile ByteSizeValue modelsMemoryLimit;
    private volatile TimeValue mlCommonsCheckInterval;
    private volatile TierMode tierMode;

    public DynamicSettings(ClusterSettings clusterSettings) {
        this.clusterSettings = clusterSettings;
        follow(CrossEncoderSettings.MAX_WINDOW_SIZE, value -> maxWindowSize = value);
        follow(CrossEncoderSettings.MAX_PAIRS_PER_REQUEST, value -> maxPairsPerRequest = value);
        follow(CrossEncoderSettings.MAX_QUERY_TEXT_LENGTH, value -> maxQueryTextLength = value);
        follow(CrossEncoderSettings.RERANK_MAX_TOTAL_TEXT_LENGTH, value -> maxRerankTextLength = value);
        follow(CrossEncoderSettings.RERANK_MAX_REQUEST_SIZE, value -> maxRerankRequestSize = value);
        follow(CrossEncoderSettings.DEFAULT_MODEL, value -> defaultModel = value);
        follow(CrossEncoderSettings.MODELS_MEMORY_LIMIT, value -> modelsMemoryLimit = value);
        follow(CrossEncoderSettings.ML_COMMONS_CHECK_INTERVAL, value -> mlCommonsCheckInterval = value);
        follow(CrossEncoderSettings.TIER_MODE, value -> tierMode = value);
    }

    /** Hands {@code onChange} the setting's value now, and again whenever it changes. */
    public <T> void follow(Setting<T> setting, Consumer<T> onChange) {
        onChange.accept(clusterSettings.get(setting));
        clusterSettings.addSettingsUpdateConsumer(setting, onChange);
    }

    public int maxWindowSize() {
        return maxWindowSize;
    }

    public int maxPairsPerRequest() {
        return maxPairsPerRequest;
    }

    public int maxQueryTextLength() {
        return maxQueryTextLength;
    }

    public int maxRerankTextLength() {
        return maxRerankTextLength;
    }

    public ByteSizeValue maxRerankRequestSize() {
        return maxRerankRequestSize;
    }

    /** Empty when no default model is set. */
    public String defaultModel() {
        return defaultModel;
    }

    public ByteSizeValue modelsMemoryLimit() {
        return modelsMemoryLimit;
    }

    public TimeValue mlCommonsCheckInterval() {
        return mlCommonsCheckInterval;
    }

    public TierMode tierMode() {
        return tierMode;
    }
}
