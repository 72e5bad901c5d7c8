/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.cluster.node.DiscoveryNodeRole;
import org.opensearch.common.settings.Setting;
import org.opensearch.common.settings.Settings;

/**
 * The node role {@code cross_encoder}: a node of the reranking tier, which runs the model work of the cluster's
 * searches ({@code node.roles: [cross_encoder]}, alone for a dedicated node, or beside others). Off unless given, as
 * ML Commons' {@code ml} role is.
 * <p>
 * A role rather than a node attribute: roles are how OpenSearch says what a node is for ({@code _cat/nodes} shows
 * them, {@code node.roles} is where operators look), and attributes are left to allocation awareness. Our own rather
 * than ML Commons' {@code ml}: the plugin needs no ML Commons, and a cluster may want its ML Commons models and its
 * reranking on different nodes. A node may have both.
 */
public final class RerankingTierRole extends DiscoveryNodeRole {

    public static final RerankingTierRole INSTANCE = new RerankingTierRole();

    private RerankingTierRole() {
        super("cross_encoder", "ce");
    }

    @Override
    public Setting<Boolean> legacySetting() {
        return null;
    }

    @Override
    public boolean isEnabledByDefault(Settings settings) {
        return false;
    }

    public static boolean isMember(DiscoveryNode node) {
        return node.getRoles().contains(INSTANCE);
    }
}
