/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Copyright OpenSearch cross-encoder reranker contributors. Licensed under the Apache License, Version 2.0
 * (see the LICENSE file at the root of this repository).
 */
package org.crossencoder.opensearch.model;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.common.io.stream.Writeable;
import org.opensearch.core.xcontent.ToXContentFragment;
import org.opensearch.core.xcontent.XContentBuilder;

/** Counters of one node's inference, since it started. */
public final class InferenceStats {

    private final LongAdder requests = new LongAdder();
    private final LongAdder pairs = new LongAdder();
    private final LongAdder errors = new LongAdder();
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

    void onError() {
        requests.increment();
        errors.increment();
    }

    void onRejection() {
        rejections.increment();
    }

    void onCancellation() {
        requests.increment();
        cancellations.increment();
    }

    public Snapshot snapshot(InferenceScheduler.Load load) {
        return new Snapshot(
                load.running(),
                load.waiting(),
                requests.sum(),
                pairs.sum(),
                errors.sum(),
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
            long errors,
            long rejections,
            long cancellations,
            long timeouts,
            long inferenceMillis,
            double p50Millis,
            double p99Millis)
            implements Writeable, ToXContentFragment {

        public Snapshot(StreamInput in) throws IOException {
            this(
                    in.readVInt(),
                    in.readVInt(),
                    in.readVLong(),
                    in.readVLong(),
                    in.readVLong(),
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
            out.writeVLong(errors);
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
            builder.field("errors", errors);
            builder.field("queue_rejections", rejections);
            builder.field("cancelled", cancellations);
            builder.field("timed_out", timeouts);
            builder.field("total_time_in_millis", inferenceMillis);
            builder.field("p50_time_in_millis", p50Millis);
            builder.field("p99_time_in_millis", p99Millis);
            return builder.endObject();
        }
    }
}
