/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.scoring;

import java.io.IOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.crossencoder.opensearch.engine.InferenceScheduler;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/**
 * Counters of one node's inference, since it started. A request is one the plugin handled on this node: a {@code _rerank}
 * call, a search processor's run on its coordinating node, a data node's share of a global window, or one shard's
 * rescore. Each one that failed counts once under {@code errors}, by {@link FailureKind}; each one that fell back to its
 * first-stage order ({@code allow_reranker_failures}) counts under {@code first_stage_fallbacks} instead.
 */
public final class InferenceStats {

    private final LongAdder requests = new LongAdder();
    private final LongAdder pairs = new LongAdder();
    private final LongAdder[] errors = adders();
    private final LongAdder[] fallbacks = adders();
    private final LongAdder rejections = new LongAdder();
    private final LongAdder cancellations = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder inferenceNanos = new LongAdder();
    /** Microseconds per inference request, 1 µs to 10 min at 2 significant digits: a few KiB, never growing. */
    private final ConcurrentHistogram latencyMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(10), 2);

    void onSuccess(int pairCount, long nanos, boolean timedOut) {
        requests.increment();
        if (timedOut) {
            timeouts.increment();
        }
        pairs.add(pairCount);
        inferenceNanos.add(nanos);
        latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(), Math.max(1, nanos / 1000)));
    }

    private static LongAdder[] adders() {
        LongAdder[] adders = new LongAdder[FailureKind.values().length];
        Arrays.setAll(adders, kind -> new LongAdder());
        return adders;
    }

    /** A request that failed, or was cancelled (then it did not fail: it stopped as asked). */
    void onFailure(Exception e) {
        requests.increment();
        if (FailureKind.isCancellation(e)) {
            cancellations.increment();
            return;
        }
        FailureKind kind = FailureKind.of(e);
        errors[kind.ordinal()].increment();
        if (kind == FailureKind.QUEUE_FULL) {
            rejections.increment();
        }
    }

    /** A request whose reranking failed and that answered with its first-stage order instead. */
    void onFallback(FailureKind kind) {
        requests.increment();
        fallbacks[kind.ordinal()].increment();
        if (kind == FailureKind.QUEUE_FULL) {
            rejections.increment();
        }
    }

    private static Map<FailureKind, Long> sums(LongAdder[] adders) {
        Map<FailureKind, Long> sums = new EnumMap<>(FailureKind.class);
        for (FailureKind kind : FailureKind.values()) {
            sums.put(kind, adders[kind.ordinal()].sum());
        }
        return sums;
    }

    public Snapshot snapshot(InferenceScheduler.Load load) {
        return new Snapshot(
                load.running(),
                load.waiting(),
                requests.sum(),
                pairs.sum(),
                sums(errors),
                sums(fallbacks),
                rejections.sum(),
                cancellations.sum(),
                timeouts.sum(),
                TimeUnit.NANOSECONDS.toMillis(inferenceNanos.sum()),
                latencyMicros.getValueAtPercentile(50) / 1000.0,
                latencyMicros.getValueAtPercentile(99) / 1000.0);
    }

    /**
     * The counters at one moment, as a node reports them: requests running and waiting now, then totals since
     * the node started.
     */
    public record Snapshot(
            int running,
            int waiting,
            long requests,
            long pairs,
            Map<FailureKind, Long> errors,
            Map<FailureKind, Long> fallbacks,
            long rejections,
            long cancellations,
            long timeouts,
            long inferenceMillis,
            double p50Millis,
            double p99Millis)
            implements Writeable, ToXContentFragment {

        public Snapshot {
            errors = inKindOrder(errors);
            fallbacks = inKindOrder(fallbacks);
        }

        private static Map<FailureKind, Long> inKindOrder(Map<FailureKind, Long> counts) {
            Map<FailureKind, Long> ordered = new EnumMap<>(FailureKind.class);
            ordered.putAll(counts);
            return ordered;
        }

        public Snapshot(StreamInput in) throws IOException {
            this(
                    in.readVInt(),
                    in.readVInt(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readMap(i -> i.readEnum(FailureKind.class), StreamInput::readVLong),
                    in.readMap(i -> i.readEnum(FailureKind.class), StreamInput::readVLong),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readDouble(),
                    in.readDouble());
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeVInt(running);
            out.writeVInt(waiting);
            out.writeVLong(requests);
            out.writeVLong(pairs);
            out.writeMap(errors, StreamOutput::writeEnum, StreamOutput::writeVLong);
            out.writeMap(fallbacks, StreamOutput::writeEnum, StreamOutput::writeVLong);
            out.writeVLong(rejections);
            out.writeVLong(cancellations);
            out.writeVLong(timeouts);
            out.writeVLong(inferenceMillis);
            out.writeDouble(p50Millis);
            out.writeDouble(p99Millis);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject("inference");
            builder.field("running", running);
            builder.field("waiting", waiting);
            builder.field("requests", requests);
            builder.field("pairs_scored", pairs);
            builder.field("errors", total(errors));
            byKind(builder, "errors_by_kind", errors);
            builder.field("first_stage_fallbacks", total(fallbacks));
            byKind(builder, "first_stage_fallbacks_by_kind", fallbacks);
            builder.field("queue_rejections", rejections);
            builder.field("cancelled", cancellations);
            builder.field("timed_out", timeouts);
            builder.field("total_time_in_millis", inferenceMillis);
            builder.field("p50_time_in_millis", p50Millis);
            builder.field("p99_time_in_millis", p99Millis);
            return builder.endObject();
        }

        private static long total(Map<FailureKind, Long> counts) {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }

        private static void byKind(XContentBuilder builder, String name, Map<FailureKind, Long> counts)
                throws IOException {
            builder.startObject(name);
            for (Map.Entry<FailureKind, Long> count : counts.entrySet()) {
                builder.field(count.getKey().toString(), count.getValue());
            }
            builder.endObject();
        }
    }
}
