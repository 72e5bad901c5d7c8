/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.crossencoder.opensearch.ranking.PassageScores;
import org.opensearch.common.Nullable;
import org.opensearch.common.cache.Cache;
import org.opensearch.common.cache.CacheBuilder;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.common.unit.ByteSizeValue;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Scores already computed on this node, so that a repeated query, the next page of the same search or an
 * {@code explain} does not run the model again. Bounded in bytes; least recently used entries go first.
 * <p>
 * A score depends only on the model (its loaded version), the query text and the passage text, so that is the key: a document
 * whose text changes gets a new key (no stale score), two documents with the same text share one. Document
 * id and version would add nothing to that, and would not exist for texts sent to the rerank API.
 */
public final class ScoreCache {

    /**
     * Heap per entry: the key (model name reference + 256-bit digest), the boxed score and the cache's own
     * entry and map node. An estimate, so that the configured size bounds what the cache holds.
     */
    static final long ENTRY_BYTES = 200;

    /** Null while the cache is off (size 0); a resize replaces it with an empty one. */
    private volatile Cache<Key, Float> cache;
    // The counters of the caches resizes replaced, so that the node's counters only grow.
    private long pastHits;
    private long pastMisses;
    private long pastEvictions;

    public ScoreCache(ByteSizeValue size) {
        this.cache = build(size);
    }

    private static Cache<Key, Float> build(ByteSizeValue size) {
        if (size.getBytes() == 0) {
            return null;
        }
        return CacheBuilder.<Key, Float>builder()
                .setMaximumWeight(size.getBytes())
                .weigher((key, score) -> ENTRY_BYTES)
                .build();
    }

    /**
     * Empties the cache and gives it a new bound; 0 turns it off. A new cache rather than a new bound on the same one:
     * {@code Cache.setMaximumWeight} is public only since OpenSearch 3.3.
     */
    public synchronized void resize(ByteSizeValue size) {
        if (cache != null) {
            Cache.CacheStats replaced = cache.stats();
            pastHits += replaced.getHits();
            pastMisses += replaced.getMisses();
            pastEvictions += replaced.getEvictions();
        }
        cache = build(size);
    }

    /**
     * Finds what is cached of these passages; the returned lookup says which ones still need the model.
     * {@code model} is the loaded version (compared by identity), not its name: a reload that replaces a model's
     * files must never be answered with the scores of the files it replaced.
     */
    public Lookup lookup(Object model, String query, List<String> passages) {
        return new Lookup(cache, model, query, passages);
    }

    public synchronized Stats stats() {
        if (cache == null) {
            return new Stats(0, 0, pastHits, pastMisses, pastEvictions);
        }
        Cache.CacheStats stats = cache.stats();
        return new Stats(
                cache.count(),
                cache.weight(),
                pastHits + stats.getHits(),
                pastMisses + stats.getMisses(),
                pastEvictions + stats.getEvictions());
    }

    /** One request's passages: the cached scores filled in, the rest to be scored by the model. */
    public static final class Lookup {
        /** The cache when the lookup began (null if off): a resize meanwhile leaves this request's scores out. */
        @Nullable
        private final Cache<Key, Float> cache;

        private final float[] scores;
        private final Key[] keys;
        /** The request positions the cache did not have, and for each the slot of its text in missingPassages. */
        private final List<Integer> missing = new ArrayList<>();

        private final List<Integer> slotOfMissing = new ArrayList<>();
        private final List<String> missingPassages = new ArrayList<>();

        private Lookup(@Nullable Cache<Key, Float> cache, Object model, String query, List<String> passages) {
            this.cache = cache;
            scores = new float[passages.size()];
            keys = new Key[passages.size()];
            boolean enabled = cache != null;
            MessageDigest digest = enabled ? queryDigest(query) : null;
            Map<String, Integer> slotOfPassage = new HashMap<>();
            for (int i = 0; i < passages.size(); i++) {
                Float cached = null;
                if (enabled) {
                    keys[i] = Key.of(model, digest, passages.get(i));
                    cached = cache.get(keys[i]);
                }
                if (cached == null) {
                    missing.add(i);
                    slotOfMissing.add(slotOfPassage.computeIfAbsent(passages.get(i), passage -> {
                        missingPassages.add(passage);
                        return missingPassages.size() - 1;
                    }));
                } else {
                    scores[i] = cached;
                }
            }
        }

        /**
         * The passages the cache did not have, each text once (in order of first appearance): a window that holds the
         * same passage several times (duplicated documents, empty fields) costs the model one pass for it.
         */
        public List<String> missingPassages() {
            return missingPassages;
        }

        /** Whether every passage was in the cache. */
        public boolean isComplete() {
            return missing.isEmpty();
        }

        /**
         * Every passage's score, once the model has scored {@link #missingPassages()} (all of them, or those it
         * reached before the request's time limit); caches the new ones.
         */
        public PassageScores complete(PassageScores fromModel) {
            BitSet scored = new BitSet(scores.length);
            scored.set(0, scores.length);
            for (int i = 0; i < missing.size(); i++) {
                int index = missing.get(i);
                int slot = slotOfMissing.get(i);
                if (fromModel.isScored(slot) == false) {
                    scored.clear(index);
                    continue;
                }
                scores[index] = fromModel.score(slot);
                if (keys[index] != null) {
                    cache.put(keys[index], scores[index]);
                }
            }
            return new PassageScores(scores, scored, fromModel.timedOut());
        }

        /** The scores when every passage was cached. */
        public PassageScores cached() {
            assert isComplete();
            return PassageScores.complete(scores);
        }
    }

    /** The query's length goes in first, so that ("ab", "c") and ("a", "bc") never share a key. */
    private static MessageDigest queryDigest(String query) {
        byte[] bytes = query.getBytes(StandardCharsets.UTF_8);
        MessageDigest digest = sha256();
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
        return digest;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * A cryptographic digest rather than a fast hash: a collision would silently hand one passage another's
     * score. It costs microseconds per passage next to milliseconds of inference.
     */
    private record Key(Object model, long h0, long h1, long h2, long h3) {
        static Key of(Object model, MessageDigest queryDigest, String passage) {
            MessageDigest digest;
            try {
                digest = (MessageDigest) queryDigest.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("the JDK's SHA-256 is cloneable", e);
            }
            ByteBuffer hash = ByteBuffer.wrap(digest.digest(passage.getBytes(StandardCharsets.UTF_8)));
            return new Key(model, hash.getLong(), hash.getLong(), hash.getLong(), hash.getLong());
        }
    }

    /** The cache's counters, as a node reports them. */
    public record Stats(long entries, long memorySizeInBytes, long hits, long misses, long evictions)
            implements Writeable, ToXContentFragment {

        public Stats(StreamInput in) throws IOException {
            this(in.readVLong(), in.readVLong(), in.readVLong(), in.readVLong(), in.readVLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVLong(entries);
            out.writeVLong(memorySizeInBytes);
            out.writeVLong(hits);
            out.writeVLong(misses);
            out.writeVLong(evictions);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject("score_cache");
            builder.field("entries", entries);
            builder.humanReadableField("memory_size_in_bytes", "memory_size", new ByteSizeValue(memorySizeInBytes));
            builder.field("hit_count", hits);
            builder.field("miss_count", misses);
            builder.field("evictions", evictions);
            return builder.endObject();
        }
    }
}
