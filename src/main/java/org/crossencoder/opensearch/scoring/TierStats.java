/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Counters of the reranking tier, since the node started: what this node sent to each node of the tier (the work, its
 * bytes each way, and the time it cost beyond the tier node's own), what it scored for other nodes as a node of the
 * tier, and how often it scored its own work because no node of the tier could.
 */
public final class TierStats {

    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    private final LongAdder servedRequests = new LongAdder();
    private final LongAdder servedPassages = new LongAdder();
    private final LongAdder localFallbacks = new LongAdder();

    private static final class Sent {
        final LongAdder requests = new LongAdder();
        final LongAdder passages = new LongAdder();
        final LongAdder failures = new LongAdder();
        final LongAdder requestBytes = new LongAdder();
        final LongAdder responseBytes = new LongAdder();
        final LongAdder transferNanos = new LongAdder();
        final LongAdder tierNanos = new LongAdder();
    }

    /**
     * Work node {@code tierNode} answered: {@code roundTripNanos} from sending to its answer, of which it spent
     * {@code tierNanos} on the work itself; the rest is the cost of sending it.
     */
    public void onAnswered(
            String tierNode, int passages, long requestBytes, long responseBytes, long roundTripNanos, long tierNanos) {
        Sent counters = sent.computeIfAbsent(tierNode, node -> new Sent());
        counters.requests.increment();
        counters.passages.add(passages);
        counters.requestBytes.add(requestBytes);
        counters.responseBytes.add(responseBytes);
        counters.tierNanos.add(tierNanos);
        counters.transferNanos.add(Math.max(0, roundTripNanos - tierNanos));
    }

    /** Work node {@code tierNode} did not answer: it left, or refused it. */
    public void onFailed(String tierNode) {
        sent.computeIfAbsent(tierNode, node -> new Sent()).failures.increment();
    }

    /** Work this node scored as a node of the tier, for another node. */
    public void onServed(int passages) {
        servedRequests.increment();
        servedPassages.add(passages);
    }

    /** Work this node scored itself since no node of the tier could ({@code auto}). */
    public void onLocalFallback() {
        localFallbacks.increment();
    }

    public Snapshot snapshot(boolean member) {
        SortedMap<String, SentSnapshot> bySent = new TreeMap<>();
        sent.forEach((node, counters) -> bySent.put(
                node,
                new SentSnapshot(
                        counters.requests.sum(),
                        counters.passages.sum(),
                        counters.failures.sum(),
                        counters.requestBytes.sum(),
                        counters.responseBytes.sum(),
                        TimeUnit.NANOSECONDS.toMillis(counters.transferNanos.sum()),
                        TimeUnit.NANOSECONDS.toMillis(counters.tierNanos.sum()))));
        return new Snapshot(member, servedRequests.sum(), servedPassages.sum(), localFallbacks.sum(), bySent);
    }

    /** What this node sent to one node of the tier. */
    public record SentSnapshot(
            long requests,
            long passages,
            long failures,
            long requestBytes,
            long responseBytes,
            long transferMillis,
            long tierMillis)
            implements Writeable, ToXContentFragment {

        SentSnapshot(StreamInput in) throws IOException {
            this(
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVLong(requests);
            out.writeVLong(passages);
            out.writeVLong(failures);
            out.writeVLong(requestBytes);
            out.writeVLong(responseBytes);
            out.writeVLong(transferMillis);
            out.writeVLong(tierMillis);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.field("requests", requests);
            builder.field("passages", passages);
            builder.field("failures", failures);
            builder.field("request_bytes", requestBytes);
            builder.field("response_bytes", responseBytes);
            builder.field("transfer_time_in_millis", transferMillis);
            builder.field("tier_time_in_millis", tierMillis);
            if (requests > 0) {
                builder.field("request_bytes_per_request", requestBytes / requests);
                builder.field("transfer_time_per_request_in_millis", (double) transferMillis / requests);
            }
            return builder;
        }
    }

    /**
     * @param member whether this node is a node of the tier (has the role)
     * @param sent by the name of the tier node it went to
     */
    public record Snapshot(
            boolean member,
            long servedRequests,
            long servedPassages,
            long localFallbacks,
            SortedMap<String, SentSnapshot> sent)
            implements Writeable, ToXContentFragment {

        public Snapshot(StreamInput in) throws IOException {
            this(in.readBoolean(), in.readVLong(), in.readVLong(), in.readVLong(), readSent(in));
        }

        private static SortedMap<String, SentSnapshot> readSent(StreamInput in) throws IOException {
            SortedMap<String, SentSnapshot> sent = new TreeMap<>();
            int size = in.readVInt();
            for (int i = 0; i < size; i++) {
                sent.put(in.readString(), new SentSnapshot(in));
            }
            return sent;
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeBoolean(member);
            out.writeVLong(servedRequests);
            out.writeVLong(servedPassages);
            out.writeVLong(localFallbacks);
            out.writeVInt(sent.size());
            for (Map.Entry<String, SentSnapshot> entry : sent.entrySet()) {
                out.writeString(entry.getKey());
                entry.getValue().writeTo(out);
            }
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject("tier");
            builder.field("member", member);
            builder.startObject("served")
                    .field("requests", servedRequests)
                    .field("passages", servedPassages)
                    .endObject();
            builder.field("local_fallbacks", localFallbacks);
            builder.startObject("sent");
            for (Map.Entry<String, SentSnapshot> entry : sent.entrySet()) {
                builder.startObject(entry.getKey());
                entry.getValue().toXContent(builder, params);
                builder.endObject();
            }
            builder.endObject();
            return builder.endObject();
        }
    }
}
