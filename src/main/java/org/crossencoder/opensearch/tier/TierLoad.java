/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.common.Nullable;

/**
 * The load of each node of the tier as this node knows it: the requests it sent there that are not answered yet, plus
 * the requests the node had running or waiting when it last answered (forgotten after a second, so that a node once
 * busy is tried again). Work goes to the least loaded; among equals, to one at random, so that the cluster's senders
 * spread theirs.
 */
final class TierLoad {

    private static final long REPORT_LIFETIME_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    private static final class Node {
        final AtomicInteger inFlight = new AtomicInteger();
        volatile int reported;
        volatile long reportedAt;
    }

    TierLoad(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** The least loaded of {@code candidates} whose id is not in {@code excluded}; null when none is left. */
    @Nullable
    DiscoveryNode choose(List<DiscoveryNode> candidates, Set<String> excluded) {
        DiscoveryNode best = null;
        int bestLoad = Integer.MAX_VALUE;
        int ties = 0;
        for (DiscoveryNode candidate : candidates) {
            if (excluded.contains(candidate.getId())) {
                continue;
            }
            int load = load(candidate.getId());
            if (load < bestLoad) {
                best = candidate;
                bestLoad = load;
                ties = 1;
            } else if (load == bestLoad && ThreadLocalRandom.current().nextInt(++ties) == 0) {
                best = candidate; // reservoir sampling: each of the equally loaded is chosen alike
            }
        }
        return best;
    }

    int load(String nodeId) {
        Node node = nodes.get(nodeId);
        if (node == null) {
            return 0;
        }
        boolean fresh = nanoTime.getAsLong() - node.reportedAt < REPORT_LIFETIME_NANOS;
        return node.inFlight.get() + (fresh ? node.reported : 0);
    }

    void onSent(String nodeId) {
        nodes.computeIfAbsent(nodeId, id -> new Node()).inFlight.incrementAndGet();
    }

    /** The node answered, with {@code reported} requests running or waiting there then; -1 when it did not answer. */
    void onDone(String nodeId, int reported) {
        Node node = nodes.computeIfAbsent(nodeId, id -> new Node());
        node.inFlight.decrementAndGet();
        if (reported >= 0) {
            node.reported = reported;
            node.reportedAt = nanoTime.getAsLong();
        }
    }
}
