/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.rescore;

import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;

/**
 * Recognises neural-search's {@code hybrid} query in a shard's Lucene query, without depending on that plugin.
 * Its top hits hold each sub-query's list between marker hits, which the normalization processor merges on the
 * coordinating node: a rescore reordering them would merge a wrong list, silently.
 */
final class HybridQueries {

    private static final String HYBRID_QUERY = "HybridQuery";

    private HybridQueries() {}

    static boolean contains(Query query) {
        if (query == null) {
            return false;
        }
        boolean[] found = {isHybrid(query)};
        query.visit(new QueryVisitor() {
            @Override
            public QueryVisitor getSubVisitor(BooleanClause.Occur occur, Query parent) {
                found[0] |= isHybrid(parent);
                return this;
            }

            @Override
            public void visitLeaf(Query leaf) {
                found[0] |= isHybrid(leaf);
            }
        });
        return found[0];
    }

    private static boolean isHybrid(Query query) {
        return HYBRID_QUERY.equals(query.getClass().getSimpleName());
    }
}
