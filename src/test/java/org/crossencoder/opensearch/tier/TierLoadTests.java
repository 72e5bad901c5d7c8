/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.tier;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;
import org.opensearch.cluster.node.DiscoveryNode;
import org.opensearch.test.OpenSearchTestCase;

public class TierLoadTests extends OpenSearchTestCase {

    private final AtomicLong now = new AtomicLong();
    private final TierLoad load = new TierLoad(now::get);
    private final DiscoveryNode t1 = node("t1");
    private final DiscoveryNode t2 = node("t2");
    private final DiscoveryNode t3 = node("t3");

    private static DiscoveryNode node(String id) {
        return new DiscoveryNode(id, buildNewFakeTransportAddress(), org.opensearch.Version.CURRENT);
    }

    @Test
    public void workGoesToTheNodeWithFewestRequestsInFlight() {
        load.onSent("t1");
        load.onSent("t1");
        load.onSent("t2");
        assertEquals(t3, load.choose(List.of(t1, t2, t3), Set.of()));
        load.onSent("t3");
        load.onSent("t3");
        assertEquals(t2, load.choose(List.of(t1, t2, t3), Set.of()));
        load.onDone("t1", 0);
        load.onDone("t1", 0);
        assertEquals(t1, load.choose(List.of(t1, t2, t3), Set.of()));
    }

    @Test
    public void aNodeTriedAlreadyIsNotChosenAgain() {
        assertEquals(t2, load.choose(List.of(t1, t2), Set.of("t1")));
        assertNull(load.choose(List.of(t1, t2), Set.of("t1", "t2")));
        assertNull(load.choose(List.of(), Set.of()));
    }

    @Test
    public void whatANodeReportedCountsForASecond() {
        load.onSent("t1");
        load.onDone("t1", 5); // five requests running or waiting there, from other senders
        load.onSent("t2");
        load.onSent("t2");
        assertEquals(t2, load.choose(List.of(t1, t2), Set.of()));
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1001));
        assertEquals(t1, load.choose(List.of(t1, t2), Set.of()));
        assertEquals(2, load.load("t2"));
        assertEquals(0, load.load("t1"));
    }

    @Test
    public void equallyLoadedNodesShareTheWork() {
        Set<DiscoveryNode> chosen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            chosen.add(load.choose(List.of(t1, t2, t3), Set.of()));
        }
        assertEquals(Set.of(t1, t2, t3), chosen);
    }
}
