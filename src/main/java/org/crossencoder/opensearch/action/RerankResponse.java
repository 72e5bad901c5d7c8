package org.crossencoder.opensearch.action;

import org.opensearch.core.action.ActionResponse;
import org.opensearch.core.common.io.stream.StreamInput;
import org.opensearch.core.common.io.stream.StreamOutput;
import org.opensearch.core.xcontent.ToXContentObject;
import org.opensearch.core.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The texts' scores, best first, each with its position in the request. */
public final class RerankResponse extends ActionResponse implements ToXContentObject {

    public record Result(int index, float score) {}

    private final String model;
    private final long tookMillis;
    private final List<Result> results;

    public RerankResponse(String model, long tookMillis, float[] scores, Integer topN) {
        this.model = model;
        this.tookMillis = tookMillis;
        List<Result> all = new ArrayList<>(scores.length);
        for (int i = 0; i < scores.length; i++) {
            all.add(new Result(i, scores[i]));
        }
        all.sort(Comparator.comparingDouble((Result r) -> -r.score()).thenComparingInt(Result::index));
        this.results = topN == null ? all : List.copyOf(all.subList(0, Math.min(topN, all.size())));
    }

    public RerankResponse(StreamInput in) throws IOException {
        super(in);
        model = in.readString();
        tookMillis = in.readVLong();
        results = in.readList(i -> new Result(i.readVInt(), i.readFloat()));
    }

    @Override
    public void writeTo(StreamOutput out) throws IOException {
        out.writeString(model);
        out.writeVLong(tookMillis);
        out.writeCollection(results, (o, r) -> {
            o.writeVInt(r.index());
            o.writeFloat(r.score());
        });
    }

    @Override
    public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
        builder.startObject();
        builder.field("model", model);
        builder.field("took", tookMillis);
        builder.startArray("results");
        for (Result result : results) {
            builder.startObject().field("index", result.index()).field("score", result.score()).endObject();
        }
        builder.endArray();
        return builder.endObject();
    }
}
